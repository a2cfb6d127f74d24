package mirror

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/fixture"
	"github.com/modcache/modcache/proxy"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ url, kind, err string }{
		{url: "/srv/goproxy", kind: "*mirror.dirTarget"},
		{url: "file:///srv/goproxy", kind: "*mirror.dirTarget"},
		{url: "athens:///var/lib/athens", kind: "*mirror.dirTarget"},
		{url: "bundle:///tmp/deps.tar.zst", kind: "*mirror.bundleTarget"},
		{url: "bundle:///tmp/deps.zip", err: ".tar.gz or .tar.zst"},
		{url: "s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=eu-west-1", kind: "*mirror.s3Target"},
		{url: "s3://bucket/prefix?endpoint=ftp://x", err: "scheme must be http or https"},
		{url: "s3://bucket/?acl=public", err: `unknown parameter "acl"`},
		{url: "https://repo.example.com/go/", kind: "*mirror.httpTarget"},
		{url: "http://127.0.0.1:8080/go/", kind: "*mirror.httpTarget"},
		{url: "http://repo.example.com/go/", err: "--insecure-http"},
		{url: "file://host/srv", err: "names host"},
		{url: "relative/dir", err: "absolute path"},
		{url: "ftp://x/y", err: `unknown scheme "ftp"`},
	} {
		tg, err := Open(ctx, tc.url, Options{})
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("Open(%q) = %v, want error containing %q", tc.url, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("Open(%q): %v", tc.url, err)
		case tc.err == "" && typeName(tg) != tc.kind:
			t.Errorf("Open(%q) = %s, want %s", tc.url, typeName(tg), tc.kind)
		}
	}
	if _, err := Open(ctx, "http://repo.example.com/go/", Options{InsecureHTTP: true}); err != nil {
		t.Errorf("--insecure-http: %v", err)
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *dirTarget:
		return "*mirror.dirTarget"
	case *bundleTarget:
		return "*mirror.bundleTarget"
	case *s3Target:
		return "*mirror.s3Target"
	case *httpTarget:
		return "*mirror.httpTarget"
	}
	return "?"
}

// A target inside the module cache is refused before anything is
// written: its files would sit among go's.
func TestTargetInsideTheCacheRefused(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	sel := alphaSelection(c)
	for _, to := range []string{c.Root, filepath.Join(c.Root, "mirror"), "bundle://" + filepath.ToSlash(filepath.Join(c.Root, "cache", "b.tar.gz"))} {
		tg, err := Open(context.Background(), to, Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = BuildPlan(context.Background(), scan(t, c.Root), sel, tg)
		if err == nil || !strings.Contains(err.Error(), "inside the module cache") {
			t.Errorf("push to %s: %v", to, err)
		}
	}
	if _, err := os.Stat(filepath.Join(c.Root, "example.com", "alpha", "@v")); err == nil {
		t.Error("something was written into the cache")
	}
	// Nor does an import to a mirror go there.
	tg, err := Open(context.Background(), filepath.Join(c.Root, "mirror"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Import(context.Background(), filepath.Join(t.TempDir(), "none.tar.gz"), ImportDest{Target: tg, ModCache: c.Root})
	if err == nil || !strings.Contains(err.Error(), "inside the module cache") {
		t.Errorf("import to a mirror in the cache: %v", err)
	}
}

func TestParseName(t *testing.T) {
	good := []string{
		"example.com/!azure/!storage/@v/v0.1.0.zip",
		"example.com/a/@v/list",
		"example.com/a/@v/v2.0.0+incompatible.info",
		"sumdb/sum.golang.org/supported",
		"sumdb/sum.golang.org/lookup/example.com/!azure@v1.0.0",
		"sumdb/sum.golang.org/tile/8/0/x001/234.p/5",
	}
	bad := []string{
		"", "/abs/@v/list", "../x/@v/list", "example.com/./a/@v/list", "example.com//a/@v/list",
		"example.com/A/@v/list", "example.com/a/@v/v1.0.zip", "example.com/a/@v/v1.0.0.exe",
		"example.com/a/@v/../@v/list", "sumdb/x/tile/8/0/abc", "sumdb/x/latest", "sumdb/../x/supported",
		"web.config",
	}
	for _, n := range good {
		if _, err := parseName(n); err != nil {
			t.Errorf("parseName(%q): %v", n, err)
		}
	}
	for _, n := range bad {
		if _, err := parseName(n); err == nil {
			t.Errorf("parseName(%q) accepted", n)
		}
	}
}

// TestDirBrowseAndServe: a pushed directory can be browsed like a remote,
// and the serving help and IIS config are right for it.
func TestDirBrowseAndServe(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	dir := filepath.Join(t.TempDir(), "mirror")
	plan, _ := push(t, c, projectSelection(c), dir)
	ctx := context.Background()
	tg, _ := Open(ctx, dir, Options{})
	if vs, err := tg.Versions(ctx, "example.com/Azure/Storage"); err != nil || !slices.Equal(vs, []string{"v0.1.0"}) {
		t.Errorf("Versions = %v, %v", vs, err)
	}
	if vs, err := tg.Versions(ctx, "example.com/nosuch"); err != nil || len(vs) != 0 {
		t.Errorf("Versions(nosuch) = %v, %v", vs, err)
	}
	paths, err := tg.Catalog(ctx)
	if want := []string{"example.com/Azure/Storage", "example.com/alpha", "example.com/beta", "example.com/gamma/v2", "example.com/old"}; err != nil || !slices.Equal(paths, want) {
		t.Errorf("Catalog = %v, %v; want %v", paths, err, want)
	}

	p, err := WriteIISConfig(tg)
	if err != nil {
		t.Fatal(err)
	}
	cfg := readFile(t, p)
	for _, ext := range []string{`".info"`, `".mod"`, `".zip"`, `"."`, `allowDoubleEscaping="true"`} {
		if !strings.Contains(cfg, ext) {
			t.Errorf("web.config lacks %s", ext)
		}
	}
	help := ServeHelp(tg, plan.Settings)
	if !strings.Contains(help, "alias "+filepath.ToSlash(dir)+"/;") || !strings.Contains(help, "web.config") {
		t.Errorf("serve help:\n%s", help)
	}
	// web.config does not disturb the tree.
	if paths2, _ := tg.Catalog(ctx); !slices.Equal(paths2, paths) {
		t.Errorf("Catalog after web.config = %v", paths2)
	}
	if _, err := WriteIISConfig(&httpTarget{name: "https://x/"}); err == nil {
		t.Errorf("web.config written to a non-directory target")
	}
	var noCat error
	_, noCat = (&httpTarget{name: "https://x/"}).Catalog(ctx)
	if !errors.Is(noCat, ErrNoCatalog) {
		t.Errorf("http Catalog error %v, want ErrNoCatalog", noCat)
	}
}

func TestClientSettings(t *testing.T) {
	plan := &Plan{features: Features{List: true, SumDB: true, ModOnly: true}, Versions: []*VersionPlan{
		{Path: "corp.example.com/lib", Version: "v1.0.0"},
		{Path: "example.com/pub", Version: "v1.0.0"},
	}}
	dir, _ := newDir("/srv/goproxy", false)
	s := clientSettings(dir, plan, []string{"sum.golang.org"}, nil, []string{"GOPRIVATE=corp.example.com"})
	if s.GOPROXY != "file:///srv/goproxy" || s.GONOPROXY != "none" || s.GONOSUMDB != "corp.example.com" || s.GOSUMDB != "" {
		t.Errorf("private modules: %+v", s)
	}
	s = clientSettings(dir, plan, []string{"sumdb.test"}, nil, []string{"GOSUMDB=sumdb.test+abcd+key http://127.0.0.1:1"})
	if s.GOSUMDB != "sumdb.test+abcd+key" || s.GONOPROXY != "" {
		t.Errorf("GOSUMDB with URL: %+v", s)
	}
	s = clientSettings(dir, plan, nil, nil, nil)
	if len(s.Notes) == 0 || !strings.Contains(s.Notes[0], "no records of the checksum database sum.golang.org") {
		t.Errorf("no cached sumdb: %+v", s)
	}
	if got := strings.Join(s.Env(), " "); got != "GOPROXY=file:///srv/goproxy" {
		t.Errorf("Env() = %q", got)
	}
}

// TestSameBytes: a re-push skips a file only if every byte matches,
// across chunk boundaries and at either end.
func TestSameBytes(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 10_000) // 160,000 bytes: three chunks
	flip := func(i int) []byte {
		b := slices.Clone(big)
		b[i] ^= 1
		return b
	}
	for _, tc := range []struct {
		name string
		a, b []byte
		want bool
	}{
		{"equal", big, slices.Clone(big), true},
		{"empty", nil, nil, true},
		{"first byte", big, flip(0), false},
		{"chunk boundary", big, flip(64 << 10), false},
		{"last byte", big, flip(len(big) - 1), false},
		{"target shorter", big[:len(big)-1], big, false},
		{"target longer", big, big[:len(big)-1], false},
	} {
		got, err := sameBytes(bytes.NewReader(tc.a), bytes.NewReader(tc.b), int64(len(tc.a)))
		if got != tc.want || err != nil {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := sameBytes(&countingReader{ctx: ctx, r: bytes.NewReader(big)}, bytes.NewReader(big), int64(len(big))); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestPlanProgressText: every stage the planner reports reads as words.
func TestPlanProgressText(t *testing.T) {
	for stage, want := range map[string]string{
		"":         "starting",
		"project":  "asking go what the project needs",
		"closure":  "computing the module graph",
		"download": "go is downloading 3 missing versions",
		"verify":   "verifying 1/3 versions",
		"target":   "asking the target what it has: 1/3 files",
	} {
		if got := (PlanProgress{Stage: stage, Done: 1, Total: 3}).String(); got != want {
			t.Errorf("%q: %q, want %q", stage, got, want)
		}
	}
	slow := PlanProgress{Stage: "download", Total: 1, Fetched: 2, Current: "https://proxy.example/x/@v/v1.0.0.zip", Elapsed: 12500 * time.Millisecond}
	if got, want := slow.String(), "go is downloading 1 missing version (2 files fetched, 12s); now https://proxy.example/x/@v/v1.0.0.zip"; got != want {
		t.Errorf("slow download: %q, want %q", got, want)
	}
}

// TestPlanShowsWhatGoFetches: while go downloads what the cache lacks from
// a proxy that is slow to answer, the planner's progress names the file go
// waits for, so a hanging GOPROXY does not look like a frozen tool.
func TestPlanShowsWhatGoFetches(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	files := http.FileServer(http.Dir(c.Proxy.Dir))
	gate := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/v2.1.0.zip") {
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			}
		}
		files.ServeHTTP(w, r)
	}))
	defer srv.Close()
	var once sync.Once
	release := func() { once.Do(func() { close(gate) }) }
	defer release()

	sel := Selection{Versions: mvs("example.com/gamma/v2@v2.1.0"), Env: fixture.With(c.Env, "GOPROXY="+srv.URL), MemoDir: cache.ZipHashesOff}
	planner := NewPlanner(scan(t, c.Root), sel, nil)
	type result struct {
		plan *Plan
		err  error
	}
	done := make(chan result, 1)
	go func() {
		plan, err := planner.Run(context.Background())
		done <- result{plan, err}
	}()

	deadline := time.After(time.Minute)
	for {
		pr := planner.Progress()
		if pr.Stage == "download" && strings.HasSuffix(pr.Current, "/v2.1.0.zip") {
			if !strings.HasPrefix(pr.String(), "go is downloading 1 missing version") || !strings.Contains(pr.String(), "; now "+srv.URL+"/example.com/gamma/v2/@v/v2.1.0.zip") {
				t.Errorf("progress while go waits: %q", pr.String())
			}
			if pr.Fetched < 1 {
				t.Errorf("go fetched the .info and .mod first, but progress counts %d files", pr.Fetched)
			}
			break
		}
		select {
		case r := <-done:
			t.Fatalf("the plan finished (%v) before progress showed the waiting zip; last %+v", r.err, pr)
		case <-deadline:
			t.Fatalf("progress never showed the waiting zip; last %+v", pr)
		case <-time.After(10 * time.Millisecond):
		}
	}
	release()
	r := <-done
	if r.err != nil || !slices.Equal(r.plan.Downloaded, sel.Versions) {
		t.Fatalf("plan: %v, downloaded %v", r.err, r.plan.Downloaded)
	}
}

// TestOpenHidesCredentials: a mirror URL that does not parse is named in
// the error without its password.
func TestOpenHidesCredentials(t *testing.T) {
	_, err := Open(context.Background(), "https://user:hunter2@bad host/x", Options{})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Open: %v", err)
	}
}

// TestRemoteLookupBudget: each source gets the given time to answer, so a
// hanging first source costs that long once (then the breaker skips it)
// and the next source still answers.
func TestRemoteLookupBudget(t *testing.T) {
	p := fixture.NewProxy(t, fixture.Standard()...)
	client, err := proxy.New(proxy.Config{GOPROXY: fixture.HangingServer(t) + "," + p.URL(), Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	lookup := RemoteLookup(client.Sources(), func(string) bool { return false }, 300*time.Millisecond, nil)
	start := time.Now()
	for _, path := range []string{"example.com/alpha", "example.com/beta"} {
		a := lookup(context.Background(), path, []string{"v1.0.0"})
		if a.Err != nil || !slices.Contains(a.Versions, "v1.0.0") {
			t.Errorf("%s: %+v, want v1.0.0 from the second source", path, a)
		}
	}
	// Far below the client's minute: the budget, not the request timeout,
	// ended the wait.
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("two lookups took %v", took)
	}
}
