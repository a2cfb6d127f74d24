package proxy

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

const listPath = "/example.com/m/@v/list"

func TestChainFallback(t *testing.T) {
	tests := []struct {
		name      string
		first     http.HandlerFunc
		sep       string
		wantFrom  int   // index of the remote that answered; -1 for an error
		wantErr   error // for errors.Is, when wantFrom == -1
		errText   string
		secondHit bool
	}{
		{name: "comma 404", first: status(404, "nope"), sep: ",", wantFrom: 1, secondHit: true},
		{name: "comma 410", first: status(410, "gone"), sep: ",", wantFrom: 1, secondHit: true},
		{name: "comma 500 stops", first: status(500, "boom"), sep: ",", wantFrom: -1, errText: "list example.com/m: 500 Internal Server Error: boom"},
		{name: "comma 403 stops", first: status(403, "go away"), sep: ",", wantFrom: -1, errText: "403 Forbidden: go away"},
		{name: "pipe 500", first: status(500, "boom"), sep: "|", wantFrom: 1, secondHit: true},
		{name: "pipe 403", first: status(403, "go away"), sep: "|", wantFrom: 1, secondHit: true},
		{name: "pipe 404", first: status(404, "nope"), sep: "|", wantFrom: 1, secondHit: true},
		{name: "first answers", first: text("v0.9.0\n"), sep: ",", wantFrom: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newFakeProxy(t, map[string]http.HandlerFunc{listPath: tt.first})
			b := newFakeProxy(t, map[string]http.HandlerFunc{listPath: text("v1.0.0\n")})
			c := newTestClient(t, testConfig(t, a.URL+tt.sep+b.URL))
			versions, from, err := c.ListChain(context.Background(), "example.com/m")
			switch tt.wantFrom {
			case -1:
				wantErrContains(t, err, a.remote(t).Name, tt.errText)
				if from.Name != a.remote(t).Name {
					t.Errorf("error from %q, want %q", from.Name, a.remote(t).Name)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				want := []Remote{a.remote(t), b.remote(t)}[tt.wantFrom]
				if from.Name != want.Name {
					t.Errorf("answered by %q, want %q", from.Name, want.Name)
				}
				if len(versions) != 1 {
					t.Errorf("versions = %q", versions)
				}
			}
			if hit := len(b.Hits()) > 0; hit != tt.secondHit {
				t.Errorf("second remote asked: %v, want %v", hit, tt.secondHit)
			}
		})
	}
}

func TestChainReportsBestError(t *testing.T) {
	a := newFakeProxy(t, map[string]http.HandlerFunc{listPath: status(500, "boom")})
	b := newFakeProxy(t, map[string]http.HandlerFunc{})
	c := newTestClient(t, testConfig(t, a.URL+"|"+b.URL))
	_, from, err := c.ListChain(context.Background(), "example.com/m")
	// b's 404 says less than a's 500.
	wantErrContains(t, err, "500 Internal Server Error: boom")
	if from.Name != a.remote(t).Name {
		t.Errorf("from = %q", from.Name)
	}

	// Everything not found: the last not-found is reported.
	c = newTestClient(t, testConfig(t, b.URL+","+b.URL+"/other"))
	_, _, err = c.ListChain(context.Background(), "example.com/m")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
	wantErrContains(t, err, "/other: list example.com/m: 404 Not Found")
}

func TestChainDirectOff(t *testing.T) {
	missing := newFakeProxy(t, map[string]http.HandlerFunc{})
	broken := newFakeProxy(t, map[string]http.HandlerFunc{listPath: status(500, "boom")})
	ctx := context.Background()

	c := newTestClient(t, testConfig(t, missing.URL+",direct"))
	_, from, err := c.ListChain(ctx, "example.com/m")
	if !errors.Is(err, ErrDirect) || from.Kind != KindDirect {
		t.Errorf("404 then direct: %v from %q, want ErrDirect", err, from.Name)
	}
	wantErrContains(t, err, "direct: list example.com/m: not browsable")

	// direct's answer outranks a proxy failure, as in the go command.
	c = newTestClient(t, testConfig(t, broken.URL+"|direct"))
	if _, _, err := c.ListChain(ctx, "example.com/m"); !errors.Is(err, ErrDirect) {
		t.Errorf("500|direct: %v, want ErrDirect", err)
	}

	c = newTestClient(t, testConfig(t, missing.URL+",off"))
	if _, _, err := c.LatestChain(ctx, "example.com/m"); !errors.Is(err, ErrOff) {
		t.Errorf("404 then off: %v, want ErrOff", err)
	}
	c = newTestClient(t, testConfig(t, "off"))
	_, _, err = c.InfoChain(ctx, "example.com/m", "v1.0.0")
	wantErrContains(t, err, "off: info example.com/m@v1.0.0: GOPROXY=off")

	// "off" counts as not-found, so the real failure before it is reported.
	c = newTestClient(t, testConfig(t, broken.URL+"|off"))
	_, _, err = c.ListChain(ctx, "example.com/m")
	wantErrContains(t, err, "500 Internal Server Error: boom")

	// Nothing after direct is ever asked.
	never := newFakeProxy(t, map[string]http.HandlerFunc{})
	c = newTestClient(t, testConfig(t, "direct,"+never.URL))
	if _, _, err := c.GoModChain(ctx, "example.com/m", "v1.0.0"); !errors.Is(err, ErrDirect) {
		t.Errorf("direct first: %v", err)
	}
	if len(never.Hits()) != 0 {
		t.Errorf("an entry after direct was asked")
	}
}

func TestChainPrivate(t *testing.T) {
	p := newFakeProxy(t, map[string]http.HandlerFunc{
		"/corp.example.com/x/@v/list": text("v1.0.0\n"),
		"/github.com/corp/y/@v/list":  text("v1.0.0\n"),
		"/example.com/public/@v/list": text("v1.0.0\n"),
	})
	ctx := context.Background()

	cfg := testConfig(t, p.URL)
	cfg.GOPRIVATE = "corp.example.com,github.com/corp"
	c := newTestClient(t, cfg)
	for _, path := range []string{"corp.example.com/x", "github.com/corp/y"} {
		_, _, err := c.ListChain(ctx, path)
		if !errors.Is(err, ErrPrivate) {
			t.Errorf("ListChain(%s) = %v, want ErrPrivate", path, err)
		}
		wantErrContains(t, err, "GOPRIVATE: list "+path+": private: fetched directly by go, not browsable")
	}
	if _, _, err := c.ListChain(ctx, "example.com/public"); err != nil {
		t.Errorf("public module: %v", err)
	}
	if hits := p.Hits(); len(hits) != 1 {
		t.Errorf("hits = %q, want only the public module", hits)
	}

	// GONOPROXY, when set, replaces GOPRIVATE for this purpose.
	cfg.GONOPROXY = "github.com/corp"
	c = newTestClient(t, cfg)
	if _, _, err := c.ListChain(ctx, "corp.example.com/x"); err != nil {
		t.Errorf("GONOPROXY set without corp.example.com: %v", err)
	}
	_, _, err := c.ListChain(ctx, "github.com/corp/y")
	wantErrContains(t, err, "GONOPROXY: list github.com/corp/y: private")

	// none: every module goes through the proxy, as for an offline mirror.
	cfg.GONOPROXY = "none"
	c = newTestClient(t, cfg)
	if _, _, err := c.ListChain(ctx, "github.com/corp/y"); err != nil {
		t.Errorf("GONOPROXY=none: %v", err)
	}
}

func TestChainStopsOnCancel(t *testing.T) {
	a := newFakeProxy(t, map[string]http.HandlerFunc{listPath: hang})
	b := newFakeProxy(t, map[string]http.HandlerFunc{listPath: text("v1.0.0\n")})
	c := newTestClient(t, testConfig(t, a.URL+"|"+b.URL))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, _, err := c.ListChain(ctx, "example.com/m")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if len(b.Hits()) != 0 {
		t.Errorf("a cancelled lookup went on to the next remote")
	}
}

func TestChainTimeoutFallsThroughPipe(t *testing.T) {
	a := newFakeProxy(t, map[string]http.HandlerFunc{listPath: hang})
	b := newFakeProxy(t, map[string]http.HandlerFunc{listPath: text("v1.0.0\n")})
	cfg := testConfig(t, a.URL+"|"+b.URL)
	cfg.Timeout = 100 * time.Millisecond
	c := newTestClient(t, cfg)
	_, from, err := c.ListChain(context.Background(), "example.com/m")
	if err != nil || from.Name != b.remote(t).Name {
		t.Errorf("ListChain = from %q, %v; want b after a timed out", from.Name, err)
	}

	// With a comma, a timeout is a real failure and stops the walk.
	c = newTestClient(t, Config{GOPROXY: a.URL + "," + b.URL, Timeout: 100 * time.Millisecond, GOAUTH: "off"})
	_, _, err = c.ListChain(context.Background(), "example.com/m")
	wantErrContains(t, err, "timed out")
	if !slices.Equal(b.Hits(), []string{listPath}) {
		t.Errorf("b hits = %q", b.Hits())
	}
	if strings.Contains(err.Error(), b.remote(t).Name) {
		t.Errorf("error names the wrong remote: %v", err)
	}
}
