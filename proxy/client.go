// Package proxy is a client for the GOPROXY protocol: list, .info, .mod,
// .zip and @latest from one remote, or from the whole GOPROXY list with the
// go command's fallback rules. It reads what the go command would read, with
// the same credentials, and never fetches from version control.
package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Info is the content of a .info file or an @latest answer.
type Info struct {
	Version string
	Time    time.Time
}

// Client talks to GOPROXY remotes. It holds no mutable state after New and
// is safe for concurrent use.
type Client struct {
	cfg        Config
	remotes    []Remote
	noProxy    string // GONOPROXY patterns in effect, "" for none
	noProxyVar string // which variable they came from, for messages
	creds      credentials
	hc         *http.Client
}

// New checks cfg and reads the netrc file (once; credentials edited later
// need a new Client).
func New(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	remotes, err := ParseList(cfg.GOPROXY)
	if err != nil {
		return nil, err
	}
	c := &Client{
		cfg:        cfg,
		remotes:    remotes,
		noProxy:    cfg.GONOPROXY,
		noProxyVar: "GONOPROXY",
		creds:      loadCredentials(cfg.GOAUTH, cfg.NetrcPath),
		hc:         newHTTPClient(cfg.HTTPClient),
	}
	// As in the go command, GOPRIVATE is the default for GONOPROXY.
	if c.noProxy == "" {
		c.noProxy, c.noProxyVar = cfg.GOPRIVATE, "GOPRIVATE"
	}
	// "none" is how people say "no exceptions" (an offline mirror holding
	// private modules needs it). go gets this by the pattern matching no real
	// module; we make it explicit.
	if strings.TrimSpace(c.noProxy) == "none" {
		c.noProxy = ""
	}
	return c, nil
}

// Remotes returns the parsed GOPROXY entries in order.
func (c *Client) Remotes() []Remote { return slices.Clone(c.remotes) }

// Private reports whether GONOPROXY (or GOPRIVATE) covers path, so that the
// go command always fetches it directly.
func (c *Client) Private(path string) bool {
	return c.noProxy != "" && module.MatchPrefixPatterns(c.noProxy, path)
}

// Insecure reports whether GOINSECURE covers path. Like the go command's, it
// only relaxes direct fetches from version control (plain http, unchecked
// certificates); modcache never makes those, and proxies keep full TLS
// verification whatever GOINSECURE says. It is exposed so the UI can explain
// a module's setup.
func (c *Client) Insecure(path string) bool {
	return c.cfg.GOINSECURE != "" && module.MatchPrefixPatterns(c.cfg.GOINSECURE, path)
}

// List returns the versions r lists for path, semver-sorted. Blank lines,
// extra fields and non-canonical versions in the list are ignored, as the go
// command ignores them. Pseudo-versions are kept: a cache's list names them.
func (c *Client) List(ctx context.Context, r Remote, path string) ([]string, error) {
	q := req{r: r, op: "list", path: path}
	rel, err := modRel(q, "@v/list")
	if err != nil {
		return nil, err
	}
	data, err := c.fetch(ctx, q, rel, nil)
	if err != nil {
		return nil, err
	}
	versions := ParseVersionList(data)
	// An empty list is an answer (proxies list no pseudo-versions), but
	// text with no version in it (a sign-in page, junk) is not a list: it
	// says nothing of what the remote holds.
	if len(versions) == 0 && len(bytes.TrimSpace(data)) > 0 {
		return nil, q.errorf("answer is not a version list (%s)", BodyDetail(data))
	}
	return versions, nil
}

// ParseVersionList reads an @v/list file the way go does: the first field
// of each line, blank lines and non-canonical versions ignored. The result
// is semver-sorted, without duplicates.
func ParseVersionList(data []byte) []string {
	var versions []string
	for line := range strings.SplitSeq(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 0 && module.CanonicalVersion(f[0]) == f[0] {
			versions = append(versions, f[0])
		}
	}
	semver.Sort(versions)
	return slices.Compact(versions)
}

// Info returns r's .info for path@version. version must be canonical, and
// the answer must name that same version.
func (c *Client) Info(ctx context.Context, r Remote, path, version string) (*Info, error) {
	q := req{r: r, op: "info", path: path, version: version}
	rel, err := versionRel(q, ".info")
	if err != nil {
		return nil, err
	}
	data, err := c.fetch(ctx, q, rel, nil)
	if err != nil {
		return nil, err
	}
	info, err := parseInfo(data)
	if err != nil {
		return nil, q.fail(nil, err)
	}
	if info.Version != version {
		return nil, q.errorf("answered with info for version %q", info.Version)
	}
	return info, nil
}

// Latest returns what r considers the latest version of path. A remote
// without @latest (a static file server or file:// tree) gets the go
// command's treatment: the latest version named in list (highest release,
// else highest pre-release, else highest pseudo-version), then its .info.
// Retractions are not considered; that needs the .mod of the latest version.
func (c *Client) Latest(ctx context.Context, r Remote, path string) (*Info, error) {
	q := req{r: r, op: "latest", path: path}
	rel, err := modRel(q, "@latest")
	if err != nil {
		return nil, err
	}
	data, err := c.fetch(ctx, q, rel, nil)
	if errors.Is(err, ErrNotFound) {
		return c.latestFromList(ctx, r, path)
	}
	if err != nil {
		return nil, err
	}
	info, err := parseInfo(data)
	if err != nil {
		return nil, q.fail(nil, err)
	}
	if info.Version == "" || module.CanonicalVersion(info.Version) != info.Version {
		return nil, q.errorf("answered with invalid version %q", info.Version)
	}
	return info, nil
}

func (c *Client) latestFromList(ctx context.Context, r Remote, path string) (*Info, error) {
	versions, err := c.List(ctx, r, path)
	if err != nil {
		return nil, err
	}
	best := PickLatest(versions)
	if best == "" {
		return nil, req{r: r, op: "latest", path: path}.fail(nil, fmt.Errorf("no versions in list: %w", ErrNotFound))
	}
	return c.Info(ctx, r, path, best)
}

// latestRank orders the kinds of version the way "latest" prefers them.
func latestRank(v string) int {
	switch {
	case v == "":
		return 0
	case module.IsPseudoVersion(v):
		return 1
	case semver.Prerelease(v) != "":
		return 2
	}
	return 3
}

// GoMod returns r's .mod for path@version exactly as served: go.sum hashes
// these bytes, so they must not be normalised.
func (c *Client) GoMod(ctx context.Context, r Remote, path, version string) ([]byte, error) {
	q := req{r: r, op: "mod", path: path, version: version}
	rel, err := versionRel(q, ".mod")
	if err != nil {
		return nil, err
	}
	return c.fetch(ctx, q, rel, nil)
}

// Zip copies r's .zip for path@version to w and returns the bytes copied.
// On error w may hold a partial zip, so callers should write to a temporary
// file. The download fails if no data arrives for ZipStallTimeout, or when
// it exceeds MaxZipBytes.
func (c *Client) Zip(ctx context.Context, r Remote, path, version string, w io.Writer) (int64, error) {
	q := req{r: r, op: "zip", path: path, version: version}
	rel, err := versionRel(q, ".zip")
	if err != nil {
		return 0, err
	}
	stall := c.cfg.ZipStallTimeout
	ctx, kick, done := WithStall(ctx, stall, fmt.Sprintf("stalled: no data for %v", stall))
	defer done(nil)

	body, err := c.open(ctx, q, rel, nil)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	src := &progressReader{r: ctxReader{ctx, body}, progress: kick}
	n, err := io.Copy(w, io.LimitReader(src, c.cfg.MaxZipBytes+1))
	if err != nil {
		return n, q.fail(ctx, err)
	}
	if n > c.cfg.MaxZipBytes {
		return n, q.fail(nil, &limitError{"zip", c.cfg.MaxZipBytes})
	}
	return n, nil
}

// open dispatches on the remote's kind. Private modules are refused for
// http remotes only: the reason to refuse is that the request would tell a
// proxy the module's path, and a file:// tree is local.
func (c *Client) open(ctx context.Context, q req, rel string, query url.Values) (io.ReadCloser, error) {
	var body io.ReadCloser
	var err error
	switch q.r.Kind {
	case KindHTTP:
		if q.path != "" && c.Private(q.path) {
			return nil, c.privateError(q)
		}
		body, err = c.openHTTP(ctx, q.r, rel, query)
	case KindFile:
		if err = ctx.Err(); err == nil {
			body, err = openFile(ctx, q.r, rel)
		}
	case KindDirect:
		err = ErrDirect
	case KindOff:
		err = ErrOff
	default:
		err = fmt.Errorf("unknown remote kind %v", q.r.Kind)
	}
	if err != nil {
		return nil, q.fail(ctx, err)
	}
	return body, nil
}

func (c *Client) privateError(q req) *Error {
	return &Error{Remote: c.noProxyVar, Op: q.op, Path: q.path, Version: q.version, Err: ErrPrivate}
}

// fetch GETs rel under the remote root with the metadata limits.
func (c *Client) fetch(ctx context.Context, q req, rel string, query url.Values) ([]byte, error) {
	ctx, cancel := WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	body, err := c.open(ctx, q, rel, query)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	limit := c.cfg.MaxMetaBytes
	// Read one byte past the limit to tell "exactly at" from "over" without
	// ever holding more than limit+1 bytes.
	data, err := io.ReadAll(io.LimitReader(ctxReader{ctx, body}, limit+1))
	if err != nil {
		return nil, q.fail(ctx, err)
	}
	if int64(len(data)) > limit {
		return nil, q.fail(nil, &limitError{"response", limit})
	}
	return data, nil
}

// modRel is the remote-relative path of a per-module file ("@v/list",
// "@latest").
func modRel(q req, name string) (string, error) {
	ep, err := module.EscapePath(q.path)
	if err != nil {
		return "", q.fail(nil, err)
	}
	return ep + "/" + name, nil
}

// versionRel is the remote-relative path of a per-version file (ext is
// ".info", ".mod" or ".zip"). Only canonical versions have such files.
func versionRel(q req, ext string) (string, error) {
	if q.version == "" || module.CanonicalVersion(q.version) != q.version {
		return "", q.errorf("not a canonical version")
	}
	ev, err := module.EscapeVersion(q.version)
	if err != nil {
		return "", q.fail(nil, err)
	}
	return modRel(q, "@v/"+ev+ext)
}

func parseInfo(data []byte) (*Info, error) {
	var info Info
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, fmt.Errorf("invalid .info JSON: %v", err)
	}
	return &info, nil
}

// ctxReader stops a copy when ctx is done. http bodies already do; file://
// bodies would otherwise read to the end.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if r.ctx.Err() != nil {
		return 0, context.Cause(r.ctx)
	}
	return r.r.Read(p)
}

// progressReader calls progress each time bytes arrive.
type progressReader struct {
	r        io.Reader
	progress func()
}

func (r *progressReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.progress()
	}
	return n, err
}

// WithTimeout is context.WithTimeout whose expiry tells how long was
// waited ("timed out after 30s"): a request's own limit and a caller's
// budget for a module read the same in messages, whichever ends first.
func WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	d = orDefault(d)
	return context.WithTimeoutCause(ctx, d, fmt.Errorf("timed out after %v: %w", d, context.DeadlineExceeded))
}
