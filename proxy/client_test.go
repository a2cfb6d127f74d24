package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestList(t *testing.T) {
	p := newFakeProxy(t, map[string]http.HandlerFunc{
		"/example.com/m/@v/list":     text("v1.10.0\n\nv1.2.0 2020-01-01T00:00:00Z\nv1.2\nlatest\n  v1.0.0  \nv1.0.0\r\nv2.0.0+incompatible\nv0.0.0-20200101000000-abcdefabcdef\n"),
		"/example.com/empty/@v/list": text(""),
	})
	c := newTestClient(t, testConfig(t, p.URL))
	got, err := c.List(context.Background(), p.remote(t), "example.com/m")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"v0.0.0-20200101000000-abcdefabcdef", "v1.0.0", "v1.2.0", "v1.10.0", "v2.0.0+incompatible"}
	if !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}
	got, err = c.List(context.Background(), p.remote(t), "example.com/empty")
	if err != nil || len(got) != 0 {
		t.Errorf("List(empty) = %q, %v; want no versions, no error", got, err)
	}
	if ua := p.LastRequest().Header.Get("User-Agent"); ua != "modcache" {
		t.Errorf("User-Agent = %q", ua)
	}
}

func TestEscaping(t *testing.T) {
	p := newFakeProxy(t, map[string]http.HandlerFunc{
		"/github.com/!burnt!sushi/toml/@v/v1.0.0-!r!c1.info": text(`{"Version":"v1.0.0-RC1","Time":"2021-02-03T04:05:06Z","Origin":{"VCS":"git"}}`),
		"/github.com/!burnt!sushi/toml/@v/list":              text("v1.0.0-RC1\n"),
	})
	c := newTestClient(t, testConfig(t, p.URL))
	info, err := c.Info(context.Background(), p.remote(t), "github.com/BurntSushi/toml", "v1.0.0-RC1")
	if err != nil {
		t.Fatal(err)
	}
	if info.Version != "v1.0.0-RC1" || !info.Time.Equal(time.Date(2021, 2, 3, 4, 5, 6, 0, time.UTC)) {
		t.Errorf("Info = %+v", info)
	}
	if _, err := c.List(context.Background(), p.remote(t), "github.com/BurntSushi/toml"); err != nil {
		t.Fatal(err)
	}
	// The escaped path must reach the server as is, not percent-encoded in
	// some other way that a static file server would not map to disk.
	if uri := p.LastRequest().RequestURI; uri != "/github.com/!burnt!sushi/toml/@v/list" {
		t.Errorf("RequestURI = %q", uri)
	}
}

func TestBasePathKept(t *testing.T) {
	p := newFakeProxy(t, map[string]http.HandlerFunc{
		"/sub/dir/example.com/m/@v/list": text("v1.0.0\n"),
	})
	c := newTestClient(t, testConfig(t, p.URL+"/sub/dir/"))
	if _, _, err := c.ListChain(context.Background(), "example.com/m"); err != nil {
		t.Fatal(err)
	}
}

func TestInfoErrors(t *testing.T) {
	p := newFakeProxy(t, map[string]http.HandlerFunc{
		"/example.com/m/@v/v1.0.0.info": text(`{"Version":"v1.0.0",`),
		"/example.com/m/@v/v1.1.0.info": text(`{"Version":"v1.1.1","Time":"2021-02-03T04:05:06Z"}`),
		"/example.com/m/@v/v1.2.0.info": text(`{"Version":"v1.2.0","Time":"yesterday"}`),
	})
	c := newTestClient(t, testConfig(t, p.URL))
	r := p.remote(t)
	ctx := context.Background()

	_, err := c.Info(ctx, r, "example.com/m", "v1.0.0")
	wantErrContains(t, err, r.Name, "info example.com/m@v1.0.0", "invalid .info JSON")

	_, err = c.Info(ctx, r, "example.com/m", "v1.1.0")
	wantErrContains(t, err, r.Name, "info example.com/m@v1.1.0", `"v1.1.1"`)

	_, err = c.Info(ctx, r, "example.com/m", "v1.2.0")
	wantErrContains(t, err, r.Name, "example.com/m@v1.2.0", "invalid .info JSON")

	before := len(p.Hits())
	for _, v := range []string{"v1.0", "latest", "", "1.0.0"} {
		_, err = c.Info(ctx, r, "example.com/m", v)
		wantErrContains(t, err, "not a canonical version")
	}
	_, err = c.Info(ctx, r, "Example.com/../m", "v1.0.0")
	wantErrContains(t, err, "info Example.com/../m@v1.0.0")
	if n := len(p.Hits()) - before; n != 0 {
		t.Errorf("invalid requests reached the server %d times", n)
	}
}

func TestGoModExactBytes(t *testing.T) {
	mod := "module example.com/m\r\n\ngo 1.21  \n\n// no final newline"
	p := newFakeProxy(t, map[string]http.HandlerFunc{"/example.com/m/@v/v1.0.0.mod": text(mod)})
	c := newTestClient(t, testConfig(t, p.URL))
	got, err := c.GoMod(context.Background(), p.remote(t), "example.com/m", "v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != mod {
		t.Errorf("GoMod = %q, want %q", got, mod)
	}
}

func TestStatusErrors(t *testing.T) {
	tests := []struct {
		code     int
		body     string
		notFound bool
		detail   string
	}{
		{404, "not found: example.com/m@v1.0.0: invalid version\nmore detail", true, ": 404 Not Found: not found: example.com/m@v1.0.0: invalid version"},
		{410, "", true, ": 410 Gone"},
		{500, "database down\nstack trace line", false, ": 500 Internal Server Error: database down"},
		{403, strings.Repeat("x", 5000), false, ": 403 Forbidden: " + strings.Repeat("x", 200) + "…"},
		{401, "", false, ": 401 Unauthorized"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			p := newFakeProxy(t, map[string]http.HandlerFunc{"/example.com/m/@v/list": func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.code)
				fmt.Fprint(w, tt.body)
			}})
			c := newTestClient(t, testConfig(t, p.URL))
			r := p.remote(t)
			_, err := c.List(context.Background(), r, "example.com/m")
			want := r.Name + ": list example.com/m" + tt.detail
			if err == nil || err.Error() != want {
				t.Errorf("error = %v\nwant    %s", err, want)
			}
			if errors.Is(err, ErrNotFound) != tt.notFound {
				t.Errorf("errors.Is(err, ErrNotFound) = %v, want %v", !tt.notFound, tt.notFound)
			}
			var e *Error
			if !errors.As(err, &e) || e.Status != tt.code || e.Op != "list" || e.Path != "example.com/m" {
				t.Errorf("error = %#v", err)
			}
		})
	}
}

func TestLatest(t *testing.T) {
	p := newFakeProxy(t, map[string]http.HandlerFunc{
		"/example.com/served/@latest":           text(`{"Version":"v1.4.0","Time":"2024-01-01T00:00:00Z"}`),
		"/example.com/bad/@latest":              text(`{"Version":"v1.4"}`),
		"/example.com/broken/@latest":           status(502, "upstream broke"),
		"/example.com/static/@v/list":           text("v1.0.0\nv1.2.0\nv1.3.0-pre\nv1.1.0\n"),
		"/example.com/static/@v/v1.2.0.info":    text(`{"Version":"v1.2.0","Time":"2023-01-01T00:00:00Z"}`),
		"/example.com/pre/@v/list":              text("v0.0.0-20240101000000-abcdefabcdef\nv0.1.0-alpha\n"),
		"/example.com/pre/@v/v0.1.0-alpha.info": text(`{"Version":"v0.1.0-alpha"}`),
		"/example.com/none/@v/list":             text("\n"),
	})
	c := newTestClient(t, testConfig(t, p.URL))
	r := p.remote(t)
	ctx := context.Background()

	info, err := c.Latest(ctx, r, "example.com/served")
	if err != nil || info.Version != "v1.4.0" {
		t.Errorf("Latest(served) = %+v, %v", info, err)
	}
	_, err = c.Latest(ctx, r, "example.com/bad")
	wantErrContains(t, err, r.Name, "latest example.com/bad", `invalid version "v1.4"`)

	// Only not-found falls back to list; a server error is an answer.
	_, err = c.Latest(ctx, r, "example.com/broken")
	wantErrContains(t, err, "latest example.com/broken: 502 Bad Gateway: upstream broke")

	info, err = c.Latest(ctx, r, "example.com/static")
	if err != nil || info.Version != "v1.2.0" {
		t.Errorf("Latest(static) = %+v, %v; want v1.2.0 from list", info, err)
	}
	info, err = c.Latest(ctx, r, "example.com/pre")
	if err != nil || info.Version != "v0.1.0-alpha" {
		t.Errorf("Latest(pre) = %+v, %v; want the pre-release over the pseudo-version", info, err)
	}
	_, err = c.Latest(ctx, r, "example.com/none")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("Latest(none) = %v, want ErrNotFound", err)
	}
	_, err = c.Latest(ctx, r, "example.com/missing")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("Latest(missing) = %v, want ErrNotFound", err)
	}
}

func TestTimeout(t *testing.T) {
	p := newFakeProxy(t, map[string]http.HandlerFunc{
		"/example.com/m/@v/list": hang,
		// Headers arrive at once, then the body never ends: the limit must
		// cover reading the body too.
		"/example.com/m/@v/v1.0.0.mod": func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "module example.com/m\n")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		},
	})
	cfg := testConfig(t, p.URL)
	cfg.Timeout = 100 * time.Millisecond
	c := newTestClient(t, cfg)
	r := p.remote(t)

	start := time.Now()
	_, err := c.List(context.Background(), r, "example.com/m")
	wantErrContains(t, err, r.Name, "list example.com/m", "timed out after 100ms")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(err, DeadlineExceeded) = false for %v", err)
	}
	_, err = c.GoMod(context.Background(), r, "example.com/m", "v1.0.0")
	wantErrContains(t, err, "mod example.com/m@v1.0.0", "timed out after 100ms")
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("two 100ms timeouts took %v", d)
	}
}

func TestCancel(t *testing.T) {
	p := newFakeProxy(t, map[string]http.HandlerFunc{"/example.com/m/@v/list": hang})
	cfg := testConfig(t, p.URL)
	cfg.Timeout = time.Minute
	c := newTestClient(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.List(ctx, p.remote(t), "example.com/m")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cancel took %v to take effect", d)
	}
}

func TestMetaSizeCap(t *testing.T) {
	exact := strings.Repeat("v", 64<<10)
	p := newFakeProxy(t, map[string]http.HandlerFunc{
		"/example.com/m/@v/list":        endless,
		"/example.com/m/@v/v1.0.0.info": endless,
		"/example.com/m/@v/v1.0.0.mod":  text(exact),
	})
	cfg := testConfig(t, p.URL)
	cfg.MaxMetaBytes = 64 << 10
	c := newTestClient(t, cfg)
	r := p.remote(t)
	ctx := context.Background()

	_, err := c.List(ctx, r, "example.com/m")
	wantErrContains(t, err, r.Name, "list example.com/m", "exceeds the 64 KiB limit")
	_, err = c.Info(ctx, r, "example.com/m", "v1.0.0")
	wantErrContains(t, err, "info example.com/m@v1.0.0", "exceeds the 64 KiB limit")
	mod, err := c.GoMod(ctx, r, "example.com/m", "v1.0.0")
	if err != nil || len(mod) != len(exact) {
		t.Errorf("a body exactly at the limit: len %d, err %v", len(mod), err)
	}
}

func TestZip(t *testing.T) {
	p := newFakeProxy(t, map[string]http.HandlerFunc{
		"/example.com/m/@v/v1.0.0.zip": text("PK fake zip"),
		"/example.com/m/@v/v1.1.0.zip": endless,
		"/example.com/m/@v/v1.2.0.zip": func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "PK")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		},
		// Slow but steady: takes longer than the stall limit in total,
		// but never goes quiet for that long.
		"/example.com/m/@v/v1.3.0.zip": func(w http.ResponseWriter, r *http.Request) {
			for range 8 {
				fmt.Fprint(w, "data")
				w.(http.Flusher).Flush()
				time.Sleep(40 * time.Millisecond)
			}
		},
	})
	cfg := testConfig(t, p.URL)
	cfg.MaxZipBytes = 1 << 20
	cfg.ZipStallTimeout = 200 * time.Millisecond
	cfg.Timeout = 50 * time.Millisecond // metadata limit must not apply to zips
	c := newTestClient(t, cfg)
	r := p.remote(t)
	ctx := context.Background()

	var buf bytes.Buffer
	n, err := c.Zip(ctx, r, "example.com/m", "v1.0.0", &buf)
	if err != nil || n != 11 || buf.String() != "PK fake zip" {
		t.Errorf("Zip = %d, %v, %q", n, err, buf.String())
	}

	_, err = c.Zip(ctx, r, "example.com/m", "v1.1.0", &countWriter{})
	wantErrContains(t, err, r.Name, "zip example.com/m@v1.1.0", "exceeds the 1 MiB limit")

	start := time.Now()
	_, err = c.Zip(ctx, r, "example.com/m", "v1.2.0", &countWriter{})
	wantErrContains(t, err, "zip example.com/m@v1.2.0", "stalled: no data for 200ms")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("stall error %v does not match context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("stall took %v to detect", d)
	}

	buf.Reset()
	n, err = c.Zip(ctx, r, "example.com/m", "v1.3.0", &buf)
	if err != nil || n != 32 {
		t.Errorf("slow but steady Zip = %d, %v", n, err)
	}

	_, err = c.Zip(ctx, r, "example.com/m", "v9.9.9", &buf)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("Zip of a missing version = %v, want ErrNotFound", err)
	}
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

func TestDirectAndOffRemotes(t *testing.T) {
	c := newTestClient(t, testConfig(t, "direct"))
	ctx := context.Background()
	for _, tt := range []struct {
		entry string
		want  error
	}{{"direct", ErrDirect}, {"off", ErrOff}} {
		r, err := ParseRemote(tt.entry)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.List(ctx, r, "example.com/m"); !errors.Is(err, tt.want) {
			t.Errorf("List via %s = %v, want %v", tt.entry, err, tt.want)
		}
		if _, err := c.Latest(ctx, r, "example.com/m"); !errors.Is(err, tt.want) {
			t.Errorf("Latest via %s = %v, want %v", tt.entry, err, tt.want)
		}
		if _, err := c.Zip(ctx, r, "example.com/m", "v1.0.0", &countWriter{}); !errors.Is(err, tt.want) {
			t.Errorf("Zip via %s = %v, want %v", tt.entry, err, tt.want)
		}
		if _, err := c.Catalog(ctx, r); !errors.Is(err, tt.want) {
			t.Errorf("Catalog via %s = %v, want %v", tt.entry, err, tt.want)
		}
	}
}

func TestPrivateNotAsked(t *testing.T) {
	p := newFakeProxy(t, map[string]http.HandlerFunc{"/corp.example.com/x/@v/list": text("v1.0.0\n")})
	cfg := testConfig(t, p.URL)
	cfg.GOPRIVATE = "corp.example.com"
	c := newTestClient(t, cfg)
	_, err := c.List(context.Background(), p.remote(t), "corp.example.com/x")
	if !errors.Is(err, ErrPrivate) {
		t.Errorf("err = %v, want ErrPrivate", err)
	}
	wantErrContains(t, err, "GOPRIVATE: list corp.example.com/x: private")
	if hits := p.Hits(); len(hits) != 0 {
		t.Errorf("a private path reached the proxy: %q", hits)
	}
}

func TestCatalogHTTP(t *testing.T) {
	page := func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("pagesize") == "" {
			http.Error(w, "no pagesize", 400)
			return
		}
		switch r.URL.Query().Get("token") {
		case "":
			fmt.Fprint(w, `{"modules":[{"module":"example.com/b","version":"v1.0.0"},{"module":"example.com/a","version":"v1.0.0"}],"next":"p2"}`)
		case "p2":
			fmt.Fprint(w, `{"modules":[{"module":"example.com/a","version":"v1.1.0"},{"module":"example.com/c","version":"v0.1.0"}]}`)
		default:
			http.Error(w, "bad token", 400)
		}
	}
	athens := newFakeProxy(t, map[string]http.HandlerFunc{"/catalog": page})
	c := newTestClient(t, testConfig(t, athens.URL))
	got, err := c.Catalog(context.Background(), athens.remote(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"example.com/a", "example.com/b", "example.com/c"}; !slices.Equal(got, want) {
		t.Errorf("Catalog = %q, want %q", got, want)
	}

	for name, h := range map[string]http.HandlerFunc{
		"404":  status(404, "not found"),
		"501":  status(501, ""),
		"html": text("<html>hello</html>"),
	} {
		p := newFakeProxy(t, map[string]http.HandlerFunc{"/catalog": h})
		_, err := c.Catalog(context.Background(), p.remote(t))
		if !errors.Is(err, ErrNoCatalog) {
			t.Errorf("%s: Catalog = %v, want ErrNoCatalog", name, err)
		}
		wantErrContains(t, err, p.remote(t).Name, "catalog")
	}
	p := newFakeProxy(t, map[string]http.HandlerFunc{"/catalog": status(500, "boom")})
	_, err = c.Catalog(context.Background(), p.remote(t))
	if errors.Is(err, ErrNoCatalog) {
		t.Errorf("a 500 is a failure, not a missing catalog: %v", err)
	}
	wantErrContains(t, err, "catalog: 500 Internal Server Error: boom")
}

func TestConcurrentUse(t *testing.T) {
	p := newFakeProxy(t, map[string]http.HandlerFunc{
		"/example.com/m/@v/list":        text("v1.0.0\n"),
		"/example.com/m/@v/v1.0.0.info": text(`{"Version":"v1.0.0"}`),
	})
	c := newTestClient(t, testConfig(t, p.URL))
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, _, err := c.ListChain(context.Background(), "example.com/m"); err != nil {
				t.Error(err)
			}
			if _, _, err := c.InfoChain(context.Background(), "example.com/m", "v1.0.0"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// Text a remote sends reaches the terminal harmless: escape sequences,
// carriage returns, bells and OSC title codes are replaced, white space is
// collapsed, and an HTML page is named by its title.
func TestBodyDetailIsSafeToPrint(t *testing.T) {
	for body, want := range map[string]string{
		"\x1b[2J\x1b]0;pwned\x07db\rdown\t\tnow\x9b\u202e\nsecond line":        "\ufffd[2J\ufffd]0;pwned\ufffddb down now\ufffd\ufffd",
		"\r\n  spaced   out  \r\nmore":                                         "spaced out",
		"bad \xff utf8":                                                        "bad \ufffd utf8",
		"<!DOCTYPE html>\n<html><head><TITLE>Sign in &amp; \x1b[31mgo</TITLE>": `an HTML page titled "Sign in & ` + "\ufffd" + `[31mgo"`,
		"<html><body>no title</body></html>":                                   "an HTML page",
		"<html>\r\n<head><title>502 Bad Gateway</title></head>":                `an HTML page titled "502 Bad Gateway"`,
	} {
		if got := BodyDetail([]byte(body)); got != want {
			t.Errorf("BodyDetail(%q) = %q, want %q", body, got, want)
		}
	}
	// Through a real request, as the CLI and the TUI show it.
	p := newFakeProxy(t, map[string]http.HandlerFunc{
		"/example.com/m/@v/list": status(http.StatusInternalServerError, "\x1b]0;title\x07oops\rgotcha"),
	})
	c := newTestClient(t, testConfig(t, p.URL))
	_, err := c.List(context.Background(), p.remote(t), "example.com/m")
	wantErrContains(t, err, "500 Internal Server Error: \ufffd]0;title\ufffdoops gotcha")
}
