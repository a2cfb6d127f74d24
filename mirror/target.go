package mirror

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/config"
	"github.com/modcache/modcache/internal/units"
	"github.com/modcache/modcache/proxy"
)

// Target is a place a push writes a GOPROXY tree to. Every name it is given
// is a slash-separated path in the GOPROXY layout ("<esc path>/@v/<esc
// version>.zip", "<esc path>/@v/list", "sumdb/<db>/..."); a target with
// another layout (Athens) translates. Implementations are safe for
// concurrent use.
type Target interface {
	Browser

	// String names the target for messages, without credentials.
	String() string

	// Features says what the target's layout can hold.
	Features() Features

	// Same reports whether name already holds exactly src's bytes, so a
	// re-run can skip it. A missing file is (false, nil).
	Same(ctx context.Context, name string, src *Source) (bool, error)

	// Put stores src at name atomically: a reader sees the old file, no
	// file, or all of src, never a part. progress is called with byte
	// counts as they are sent.
	Put(ctx context.Context, name string, src *Source, progress func(n int64)) error

	// Get reads a small file (a list); a missing one is an error matching
	// fs.ErrNotExist.
	Get(ctx context.Context, name string) ([]byte, error)

	// Close releases the target. Writers that build one artefact (a bundle)
	// discard it unless Commit was called first.
	Close() error
}

// Committer is implemented by targets that must be finished explicitly
// (bundles). Push.Run calls Commit after a push with no failures, with the
// plan it pushed.
type Committer interface {
	Commit(ctx context.Context, p *Plan) error
}

// Browser is the read side of a mirror, enough for the TUI's right pane to
// show what a named mirror holds beside the local cache.
type Browser interface {
	// Versions returns the versions the mirror lists for path, semver
	// sorted; none (and no error) when it has no such module.
	Versions(ctx context.Context, path string) ([]string, error)

	// Catalog returns the module paths the mirror holds, sorted. Mirrors
	// that cannot enumerate (plain HTTP) fail with an error matching
	// ErrNoCatalog.
	Catalog(ctx context.Context) ([]string, error)
}

// ErrNoCatalog is proxy.ErrNoCatalog, so the UI handles remotes and
// mirrors alike.
var ErrNoCatalog = proxy.ErrNoCatalog

// Features describes what a target's storage layout can hold.
type Features struct {
	// List: the target stores @v/list files. Athens derives its list from
	// its version directories instead.
	List bool
	// SumDB: the target can serve sumdb/<db>/... to go clients.
	SumDB bool
	// ModOnly: the target can hold a version without its zip. Athens
	// cannot: it lists every version directory and serves source.zip from
	// any version whose go.mod exists, so a graph-only version would be a
	// listed version with no zip.
	ModOnly bool
}

// goproxyLayout is what a full GOPROXY tree holds: every target but Athens.
var goproxyLayout = Features{List: true, SumDB: true, ModOnly: true}

// Options configure Open.
type Options struct {
	// InsecureHTTP allows http:// targets on hosts other than loopback.
	InsecureHTTP bool

	// Credentials returns the login for an https URL (the go command's
	// netrc rules); nil sends none. proxy.Client.Credentials fits.
	Credentials func(u *url.URL) (login, password string, ok bool)

	// HTTPClient is used for https and http targets; nil uses a default.
	HTTPClient *http.Client

	// Timeout bounds each question to an https, http or S3 target (a
	// HEAD, a stat, a small GET); a transfer fails when no byte moves for
	// this long instead, so a big zip on a slow link is fine and a server
	// that stops reading or answering costs one file, not a hung push.
	// Zero means proxy.DefaultTimeout, as for any other remote.
	Timeout time.Duration

	// S3 credentials and region; empty fields fall back to the standard
	// AWS environment variables and ~/.aws/credentials, and to the URL's
	// region parameter.
	S3AccessKey, S3SecretKey, S3Region string
}

// Open returns the target a URL names:
//
//	file:///srv/goproxy or /srv/goproxy   a GOPROXY tree on disk
//	athens:///var/lib/athens              Athens' disk storage layout
//	s3://bucket/prefix?endpoint=host:port&region=r
//	https://host/path/                    HTTP PUT (WebDAV, nginx dav_methods)
//	http://127.0.0.1:8080/path/           plain HTTP: loopback, or Options.InsecureHTTP
//	bundle:///tmp/deps.tar.gz             one archive (.tar.gz or .tar.zst)
//
// Nothing is written until Put; opening a missing directory is fine.
func Open(ctx context.Context, rawURL string, opts Options) (Target, error) {
	if filepath.IsAbs(rawURL) && !strings.Contains(rawURL, "://") {
		return newDir(filepath.Clean(rawURL), false)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the URL, credentials and all: keep only why.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, badTarget("invalid mirror URL %q: %v", proxy.RedactURL(rawURL), err)
	}
	switch u.Scheme {
	case "file":
		p, err := localPath(u)
		if err != nil {
			return nil, err
		}
		return newDir(p, false)
	case "athens":
		p, err := localPath(u)
		if err != nil {
			return nil, err
		}
		return newDir(p, true)
	case "bundle":
		p, err := localPath(u)
		if err != nil {
			return nil, err
		}
		return newBundle(p)
	case "s3":
		return newS3(ctx, u, opts)
	case "http", "https":
		return newHTTPPut(u, opts)
	case "":
		return nil, badTarget("invalid mirror %q: use an absolute path or a URL (file://, athens://, s3://, https://, bundle://)", rawURL)
	}
	return nil, badTarget("invalid mirror %q: unknown scheme %q (use file, athens, s3, https, http or bundle)", u.Redacted(), u.Scheme)
}

// BadTarget is a mirror named wrongly (a URL that cannot be one, a bundle
// without a known extension): the user's mistake to fix in the command
// line, as opposed to a failure met reaching the mirror.
type BadTarget struct{ Err error }

func (e *BadTarget) Error() string { return e.Err.Error() }
func (e *BadTarget) Unwrap() error { return e.Err }

func badTarget(format string, args ...any) error {
	return &BadTarget{fmt.Errorf(format, args...)}
}

// OpenNamed is Open for a --to value that may name a mirror from the
// config's [mirrors] table instead of giving a URL. A named mirror's S3
// credentials and region override opts'.
func OpenNamed(ctx context.Context, to string, mirrors map[string]config.Mirror, opts Options) (Target, error) {
	if !IsName(to) {
		return Open(ctx, to, opts)
	}
	m, ok := mirrors[to]
	if !ok {
		return nil, badTarget("no mirror named %q in the config; give a URL, an absolute path (a relative one reads as a name: use ./%s), or add [mirrors.%s] with a url", to, to, to)
	}
	if m.AccessKey != "" {
		opts.S3AccessKey, opts.S3SecretKey = m.AccessKey, m.SecretKey
	}
	if m.Region != "" {
		opts.S3Region = m.Region
	}
	return Open(ctx, m.URL, opts)
}

// IsName reports whether to names a configured mirror rather than giving
// a URL or path: names have no ':', '/' or '\\'.
func IsName(to string) bool { return !strings.ContainsAny(to, ":/\\") }

// localPath is the absolute path a file://, athens:// or bundle:// URL
// names. Like file:// GOPROXY entries they take a path only.
func localPath(u *url.URL) (string, error) {
	p, err := proxy.FilePath(u)
	if err != nil {
		return "", &BadTarget{err}
	}
	return filepath.Clean(p), nil
}

// maxGet bounds what Get reads: lists and go.mod files are far smaller.
const maxGet = 16 << 20

// readSmall reads what Get returns, refusing more than maxGet rather than
// cutting it: a cut list merged into the new one would be wrong.
func readSmall(r io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxGet+1))
	if err == nil && len(data) > maxGet {
		err = fmt.Errorf("%s is over %s, far more than a list or go.mod holds; not read", name, units.Bytes(maxGet))
	}
	return data, err
}

// Source is the content of one file to push: a local file or bytes.
type Source struct {
	Path string // local file, opened without moving its atime
	Data []byte // used when Path is ""
	Size int64
	// mtime, when set, is the file's modification time when it was
	// checked: a file written since is not what was checked.
	mtime time.Time

	once sync.Once
	sum  string
	err  error
}

// FileSource describes a local file of known size.
func FileSource(path string, size int64) *Source { return &Source{Path: path, Size: size} }

// checkedSource describes a local file as it was when it was checked.
func checkedSource(path string, fi fs.FileInfo) *Source {
	return &Source{Path: path, Size: fi.Size(), mtime: fi.ModTime()}
}

// BytesSource describes in-memory content.
func BytesSource(data []byte) *Source { return &Source{Data: data, Size: int64(len(data))} }

// Open returns the content. A file that changed size since it was planned
// is an error: pushing it would break the size the plan promised.
func (s *Source) Open() (io.ReadCloser, error) {
	if s.Path == "" {
		return bytesReader{bytes.NewReader(s.Data)}, nil
	}
	f, err := cache.OpenNoAtime(s.Path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
	case fi.Size() != s.Size:
		err = fmt.Errorf("%s changed size since the plan (%d, now %d bytes); plan again", s.Path, s.Size, fi.Size())
	case !s.mtime.IsZero() && !fi.ModTime().Equal(s.mtime):
		err = fmt.Errorf("%s was written since it was checked; plan again", s.Path)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// bytesReader is seekable, like the files of other sources, so uploaders
// can rewind for a retry.
type bytesReader struct{ *bytes.Reader }

func (bytesReader) Close() error { return nil }

// SHA256 returns the hex SHA-256 of the content, computed once.
func (s *Source) SHA256() (string, error) {
	s.once.Do(func() {
		r, err := s.Open()
		if err != nil {
			s.err = err
			return
		}
		defer r.Close()
		s.sum, s.err = hashReader(r)
	})
	return s.sum, s.err
}

// setSHA256 records a hash computed while the content was copied.
func (s *Source) setSHA256(sum string) {
	s.once.Do(func() { s.sum = sum })
}

func hashReader(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// countingReader reports bytes read and stops when ctx is done.
// watchTransfer is proxy.WithStall worded for an upload, or for reading
// a file back: a transfer that moves nothing for d fails.
func watchTransfer(ctx context.Context, d time.Duration) (context.Context, func(), func(error) error) {
	return proxy.WithStall(ctx, d, fmt.Sprintf("no progress for %s: the server stopped reading or answering", units.Duration(d)))
}

type countingReader struct {
	ctx      context.Context
	r        io.Reader
	progress func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	if n > 0 && c.progress != nil {
		c.progress(int64(n))
	}
	return n, err
}
