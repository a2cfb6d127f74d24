package mirror

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/modcache/modcache/proxy"
)

// httpTarget PUTs each file to base + GOPROXY name: WebDAV servers, nginx
// with dav_methods PUT, and artifact repositories all take that. A single
// PUT is atomic from a reader's point of view (nginx and WebDAV servers
// write a temp file and rename it).
type httpTarget struct {
	base  *url.URL // ends in "/"
	name  string   // base without credentials
	creds func(*url.URL) (string, string, bool)
	hc    *http.Client
	// timeout bounds a HEAD or GET (zero: proxy.DefaultTimeout); a PUT is
	// watched for stalls instead.
	timeout time.Duration
}

func newHTTPPut(u *url.URL, opts Options) (*httpTarget, error) {
	if u.Host == "" {
		return nil, badTarget("invalid mirror URL %s: no host", u.Redacted())
	}
	if u.Scheme == "http" && !opts.InsecureHTTP && !isLoopback(u.Hostname()) {
		return nil, badTarget("mirror %s uses plain http, which would send modules (and any credentials) in clear text; use https, or --insecure-http if the network is trusted", u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, badTarget("invalid mirror URL %s: no query or fragment allowed", u.Redacted())
	}
	b := *u
	if !strings.HasSuffix(b.Path, "/") {
		b.Path += "/"
		if b.RawPath != "" {
			b.RawPath += "/"
		}
	}
	display := b
	display.User = nil
	hc := opts.HTTPClient
	if hc == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 16
		hc = &http.Client{Transport: t}
	}
	// Never follow a redirect to plain http from https: the body and the
	// Authorization header would go out in clear text.
	c := *hc
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
			return fmt.Errorf("redirected from https to insecure %s", req.URL.Redacted())
		}
		// net/http turns a PUT answered with 301, 302 or 303 into a GET,
		// whose 200 (a login page, say) would pass for a stored file.
		if req.Method != via[0].Method {
			return fmt.Errorf("the server answered the %s with a redirect to %s, which would drop the upload; give the mirror's final URL", via[0].Method, req.URL.Redacted())
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &httpTarget{base: &b, name: display.String(), creds: opts.Credentials, hc: &c, timeout: opts.Timeout}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (h *httpTarget) String() string { return h.name }

func (h *httpTarget) Features() Features { return goproxyLayout }

func (h *httpTarget) Close() error { return nil }

// url joins a GOPROXY name to the base. Names are already escaped by the
// module rules and hold only characters legal in a URL path, so they go
// into RawPath unchanged and '!' stays literal, as in the files on disk.
func (h *httpTarget) url(name string) (*url.URL, error) {
	if _, err := parseName(name); err != nil {
		return nil, err
	}
	u := *h.base
	u.Path = h.base.Path + name
	u.RawPath = h.base.EscapedPath() + name
	return &u, nil
}

func (h *httpTarget) do(ctx context.Context, method, name string, body io.Reader, size int64, header http.Header) (*http.Response, error) {
	u, err := h.url(name)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.ContentLength = size
		if size == 0 {
			req.Body = http.NoBody
		}
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", "modcache")
	// Like go, send netrc credentials over https only.
	if u.Scheme == "https" && u.User == nil && h.creds != nil {
		if login, password, ok := h.creds(u); ok {
			req.SetBasicAuth(login, password)
		}
	}
	return h.hc.Do(req)
}

func (h *httpTarget) Same(ctx context.Context, name string, src *Source) (same bool, err error) {
	hctx, cancel := proxy.WithTimeout(ctx, h.timeout)
	resp, err := h.do(hctx, http.MethodHead, name, nil, 0, nil)
	if err != nil {
		cancel()
		return false, err
	}
	resp.Body.Close()
	cancel()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return false, nil
	case resp.StatusCode/100 != 2:
		return false, statusError(resp, nil)
	}
	if size, err := strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64); err == nil && size != src.Size {
		return false, nil
	}
	want, err := src.SHA256()
	if err != nil {
		return false, err
	}
	// Artifactory and some others state the hash; otherwise read it back.
	if have := resp.Header.Get("X-Checksum-Sha256"); have != "" {
		return strings.EqualFold(have, want), nil
	}
	ctx, kick, done := watchTransfer(ctx, h.timeout)
	defer func() { err = done(err) }()
	resp, err = h.do(ctx, http.MethodGet, name, nil, 0, nil)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return false, nil
	}
	have, err := hashReader(&countingReader{ctx: ctx, r: resp.Body, progress: func(int64) { kick() }})
	return have == want, err
}

func (h *httpTarget) Put(ctx context.Context, name string, src *Source, progress func(int64)) (err error) {
	r, err := src.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	ctx, kick, done := watchTransfer(ctx, h.timeout)
	defer func() { err = done(err) }()
	header := http.Header{"Content-Type": {contentType(name)}}
	body := &countingReader{ctx: ctx, r: r, progress: func(n int64) {
		kick()
		if progress != nil {
			progress(n)
		}
	}}
	resp, err := h.do(ctx, http.MethodPut, name, body, src.Size, header)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return statusError(resp, resp.Body)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return nil
}

func (h *httpTarget) Get(ctx context.Context, name string) ([]byte, error) {
	ctx, cancel := proxy.WithTimeout(ctx, h.timeout)
	defer cancel()
	resp, err := h.do(ctx, http.MethodGet, name, nil, 0, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return nil, fs.ErrNotExist
	case resp.StatusCode/100 != 2:
		return nil, statusError(resp, resp.Body)
	}
	return readSmall(resp.Body, name)
}

func (h *httpTarget) Versions(ctx context.Context, modPath string) ([]string, error) {
	return listedVersions(ctx, h.Get, modPath)
}

// Catalog: the GOPROXY protocol has no way to enumerate modules, and a
// plain web server offers none either.
func (h *httpTarget) Catalog(ctx context.Context) ([]string, error) {
	return nil, fmt.Errorf("%s: %w", h.name, ErrNoCatalog)
}

// statusError turns a non-2xx answer into one line: the status, then the
// first line of what the server said, which is where servers put the
// reason.
func statusError(resp *http.Response, body io.Reader) error {
	msg := resp.Status
	if body != nil {
		head, _ := io.ReadAll(io.LimitReader(body, 1024))
		// An error page titled with the status says nothing more.
		if d := proxy.BodyDetail(head); d != "" && !strings.Contains(msg, d) && !strings.HasSuffix(d, "titled \""+msg+"\"") {
			msg += ": " + d
		}
	}
	return errors.New(msg)
}

// bodyDetail is the telling part of an error body: its first line, or for
// an HTML error page (nginx, IIS) its title.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(s)
}

// contentType is what static servers would say for each kind of file.
func contentType(name string) string {
	switch {
	case strings.HasSuffix(name, ".zip"):
		return "application/zip"
	case strings.HasSuffix(name, ".info"):
		return "application/json"
	case strings.HasSuffix(name, ".mod"), strings.HasSuffix(name, "/list"):
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}
