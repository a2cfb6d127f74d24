package mirror

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"golang.org/x/mod/module"

	"github.com/modcache/modcache/proxy"
)

// s3Target writes the GOPROXY layout under a bucket prefix: the layout
// goproxy's S3 cacher and a bucket website serve as is. Every file is one
// PutObject (never multipart; zips are at most 500 MiB), which S3 makes
// visible atomically. The SHA-256 of each object is kept in its user
// metadata, so a re-run can tell an identical object from a stale one.
type s3Target struct {
	c      *minio.Client
	bucket string
	prefix string // "" or ends in "/"
	name   string
	// timeout bounds a stat or GET (zero: proxy.DefaultTimeout); a PUT is
	// watched for stalls instead.
	timeout time.Duration
}

// sha256Meta is the user-metadata key (x-amz-meta-sha256) holding the hash.
const sha256Meta = "Sha256"

func newS3(ctx context.Context, u *url.URL, opts Options) (*s3Target, error) {
	bucket := u.Host
	if bucket == "" {
		return nil, badTarget("invalid mirror URL %s: want s3://bucket/prefix?endpoint=host:port&region=...", u.Redacted())
	}
	if u.User != nil {
		return nil, badTarget("invalid mirror URL %s: put S3 credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the config, not the URL", u.Redacted())
	}
	q := u.Query()
	for k := range q {
		if k != "endpoint" && k != "region" {
			return nil, badTarget("invalid mirror URL %s: unknown parameter %q (use endpoint and region)", u.Redacted(), k)
		}
	}
	endpoint, secure := q.Get("endpoint"), true
	if endpoint == "" {
		endpoint = "s3.amazonaws.com"
	}
	if scheme, host, ok := strings.Cut(endpoint, "://"); ok {
		switch scheme {
		case "http":
			secure = false
		case "https":
		default:
			return nil, badTarget("invalid S3 endpoint %q: scheme must be http or https", endpoint)
		}
		endpoint = strings.TrimSuffix(host, "/")
	}
	region := q.Get("region")
	if region == "" {
		region = opts.S3Region
	}
	var creds *credentials.Credentials
	if opts.S3AccessKey != "" {
		creds = credentials.NewStaticV4(opts.S3AccessKey, opts.S3SecretKey, "")
	} else {
		// The standard places, in the AWS SDK's order. With none, requests
		// go out anonymous, which a public bucket may accept.
		creds = credentials.NewChainCredentials([]credentials.Provider{
			&credentials.EnvAWS{},
			&credentials.FileAWSCredentials{},
		})
	}
	// minio-go retries a request ten times with growing pauses by
	// default, so a server that is down took minutes to say so; a push
	// resumes anyway, so two tries are enough.
	c, err := minio.New(endpoint, &minio.Options{Creds: creds, Secure: secure, Region: region, Transport: opts.httpTransport(), MaxRetries: 2})
	if err != nil {
		return nil, fmt.Errorf("S3 endpoint %s: %v", endpoint, err)
	}
	prefix := strings.Trim(u.Path, "/")
	if prefix != "" {
		prefix += "/"
	}
	name := "s3://" + bucket + "/" + prefix
	if q.Get("endpoint") != "" {
		name += " (" + q.Get("endpoint") + ")"
	}
	return &s3Target{c: c, bucket: bucket, prefix: prefix, name: name, timeout: opts.Timeout}, nil
}

// httpTransport is the transport of Options.HTTPClient, if any.
func (o Options) httpTransport() http.RoundTripper {
	if o.HTTPClient != nil {
		return o.HTTPClient.Transport
	}
	return nil
}

func (s *s3Target) String() string { return s.name }

func (s *s3Target) Features() Features { return goproxyLayout }

func (s *s3Target) Close() error { return nil }

func (s *s3Target) key(name string) (string, error) {
	if _, err := parseName(name); err != nil {
		return "", err
	}
	return s.prefix + name, nil
}

func (s *s3Target) Same(ctx context.Context, name string, src *Source) (bool, error) {
	key, err := s.key(name)
	if err != nil {
		return false, err
	}
	sctx, cancel := proxy.WithTimeout(ctx, s.timeout)
	info, err := s.c.StatObject(sctx, s.bucket, key, minio.StatObjectOptions{})
	cancel()
	if err != nil {
		if s3NotFound(err) {
			return false, nil
		}
		return false, s3Error(err)
	}
	if info.Size != src.Size {
		return false, nil
	}
	for k, v := range info.UserMetadata {
		if strings.EqualFold(k, sha256Meta) {
			want, err := src.SHA256()
			return err == nil && strings.EqualFold(v, want), err
		}
	}
	// Written by something else: a single-part ETag is the MD5.
	etag := strings.Trim(info.ETag, `"`)
	if len(etag) != 32 {
		return false, nil
	}
	r, err := src.Open()
	if err != nil {
		return false, err
	}
	defer r.Close()
	h := md5.New()
	if _, err := io.Copy(h, r); err != nil {
		return false, err
	}
	return strings.EqualFold(etag, hex.EncodeToString(h.Sum(nil))), nil
}

func (s *s3Target) Put(ctx context.Context, name string, src *Source, progress func(int64)) (err error) {
	key, err := s.key(name)
	if err != nil {
		return err
	}
	sum, err := src.SHA256()
	if err != nil {
		return err
	}
	r, err := src.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	// A seekable body lets minio sign and retry without buffering the file.
	body, ok := r.(io.ReadSeeker)
	if !ok {
		return fmt.Errorf("internal error: source of %s is not seekable", name)
	}
	ctx, kick, done := watchTransfer(ctx, s.timeout)
	defer func() { err = done(err) }()
	_, err = s.c.PutObject(ctx, s.bucket, key, body, src.Size, minio.PutObjectOptions{
		ContentType:      contentType(name),
		UserMetadata:     map[string]string{sha256Meta: sum},
		DisableMultipart: true,
		Progress: progressFunc(func(n int64) {
			kick()
			if progress != nil {
				progress(n)
			}
		}),
	})
	if err != nil {
		return s3Error(err)
	}
	return nil
}

func (s *s3Target) Get(ctx context.Context, name string) ([]byte, error) {
	key, err := s.key(name)
	if err != nil {
		return nil, err
	}
	ctx, cancel := proxy.WithTimeout(ctx, s.timeout)
	defer cancel()
	obj, err := s.c.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, s3Error(err)
	}
	defer obj.Close()
	data, err := readSmall(obj, name)
	if err != nil {
		if s3NotFound(err) {
			return nil, fs.ErrNotExist
		}
		return nil, s3Error(err)
	}
	return data, nil
}

func (s *s3Target) Versions(ctx context.Context, modPath string) ([]string, error) {
	return listedVersions(ctx, s.Get, modPath)
}

// Catalog lists the prefix and keeps the modules that have a list: the
// mirror holds at least one version of them completely.
func (s *s3Target) Catalog(ctx context.Context) ([]string, error) {
	var paths []string
	for obj := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, Recursive: true}) {
		if obj.Err != nil {
			return nil, s3Error(obj.Err)
		}
		esc, ok := strings.CutSuffix(strings.TrimPrefix(obj.Key, s.prefix), "/@v/list")
		if !ok {
			continue
		}
		if p, err := module.UnescapePath(esc); err == nil {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	return paths, nil
}

func s3NotFound(err error) bool {
	e := minio.ToErrorResponse(err)
	return e.StatusCode == http.StatusNotFound || e.Code == "NoSuchKey"
}

// s3Error makes the server's answer one line: status, code and message.
func s3Error(err error) error {
	e := minio.ToErrorResponse(err)
	if e.StatusCode == 0 && e.Code == "" {
		return err
	}
	msg := e.Message
	if msg == "" {
		msg = err.Error()
	}
	if e.Code == "NoSuchBucket" {
		msg += " (create the bucket first)"
	}
	if e.StatusCode != 0 {
		return fmt.Errorf("%d %s: %s: %s", e.StatusCode, http.StatusText(e.StatusCode), e.Code, msg)
	}
	return fmt.Errorf("%s: %s", e.Code, msg)
}

// progressFunc adapts a byte-count callback to minio's Progress reader,
// which is "read" as data goes out.
type progressFunc func(int64)

func (f progressFunc) Read(p []byte) (int, error) {
	if f != nil {
		f(int64(len(p)))
	}
	return len(p), nil
}
