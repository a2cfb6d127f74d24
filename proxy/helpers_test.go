package proxy

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeProxy serves fixed routes (exact, decoded URL paths) and 404 for
// everything else, recording what was asked.
type fakeProxy struct {
	*httptest.Server
	routes map[string]http.HandlerFunc

	mu   sync.Mutex
	hits []string
	reqs []*http.Request
}

func newFakeProxy(t *testing.T, routes map[string]http.HandlerFunc) *fakeProxy {
	return startFakeProxy(t, routes, httptest.NewServer)
}

func newTLSFakeProxy(t *testing.T, routes map[string]http.HandlerFunc) *fakeProxy {
	return startFakeProxy(t, routes, httptest.NewTLSServer)
}

func startFakeProxy(t *testing.T, routes map[string]http.HandlerFunc, start func(http.Handler) *httptest.Server) *fakeProxy {
	t.Helper()
	p := &fakeProxy{routes: routes}
	p.Server = start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.hits = append(p.hits, r.URL.Path)
		p.reqs = append(p.reqs, r.Clone(context.Background()))
		p.mu.Unlock()
		if h, ok := p.routes[r.URL.Path]; ok {
			h(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *fakeProxy) Hits() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.hits...)
}

func (p *fakeProxy) LastRequest() *http.Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.reqs) == 0 {
		return nil
	}
	return p.reqs[len(p.reqs)-1]
}

// remote is the proxy as a single GOPROXY entry.
func (p *fakeProxy) remote(t *testing.T) Remote {
	t.Helper()
	r, err := ParseRemote(p.URL)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func text(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) }
}

func status(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Error(w, body, code) }
}

// endless streams zeros until the client goes away.
func endless(w http.ResponseWriter, r *http.Request) {
	chunk := make([]byte, 32<<10)
	for {
		if _, err := w.Write(chunk); err != nil {
			return
		}
		if r.Context().Err() != nil {
			return
		}
	}
}

// hang answers nothing until the client gives up.
func hang(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

// testConfig is a Config that cannot read the developer's ~/.netrc.
func testConfig(t *testing.T, goproxy string) Config {
	return Config{
		GOPROXY:   goproxy,
		NetrcPath: filepath.Join(t.TempDir(), "no-netrc"),
		Timeout:   5 * time.Second,
	}
}

func newTestClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fileURL(dir string) string {
	if runtime.GOOS == "windows" {
		return "file:///" + filepath.ToSlash(dir)
	}
	return "file://" + dir
}

func wantErrContains(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", parts)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("error message has more than one line: %q", msg)
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("error %q does not contain %q", msg, p)
		}
	}
}
