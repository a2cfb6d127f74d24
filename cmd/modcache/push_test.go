package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modcache/modcache/internal/fixture"
	"github.com/modcache/modcache/internal/gocmd"
	"github.com/modcache/modcache/mirror"
)

func TestPushUsage(t *testing.T) {
	isolate(t)
	for _, args := range [][]string{
		{"push"},
		{"push", "example.com/a@v1.0.0"},
		{"push", "--to", "/tmp/x", "--jobs", "0", "example.com/a@v1.0.0"},
		{"push", "--to", "/tmp/x", "example.com/a@latest"},
		// Targets named wrongly, and --iis where it cannot apply.
		{"push", "--to", "ftp://host/x", "example.com/a@v1.0.0"},
		{"push", "--to", "relative/dir", "example.com/a@v1.0.0"},
		{"push", "--to", "bundle:///tmp/x/deps.zip", "example.com/a@v1.0.0"},
		{"push", "--to", "http://example.com/x", "example.com/a@v1.0.0"},
		{"push", "--to", "bundle:///tmp/x/deps.tar.gz", "--iis", "example.com/a@v1.0.0"},
		{"import", "--to", "ftp://host/x", "deps.tar.gz"},
		{"sync", "--to", "/tmp/x"},
		{"sync", "--project", ".", "--to", "/tmp/x", "extra"},
		{"fetch"},
		{"import"},
		{"push", "--bogus"},
	} {
		if r := runCLI(t, args...); r.code != exitUsage {
			t.Errorf("modcache %s: exit %d, want %d\n%s", strings.Join(args, " "), r.code, exitUsage, r.stderr)
		}
	}
	for _, c := range []string{"push", "sync", "fetch", "import"} {
		r := runCLI(t, c, "--help")
		if r.code != 0 || !strings.Contains(r.stdout, "Examples:") {
			t.Errorf("%s --help: exit %d, no examples:\n%s", c, r.code, r.stdout)
		}
	}
}

func TestPushCLI(t *testing.T) {
	isolate(t)
	c, db := fixture.NewCacheWithSumDB(t)
	useGoEnv(t, c.Env)
	dir := filepath.Join(t.TempDir(), "mirror")

	// --dry-run --json: the plan, and nothing written.
	r := runCLI(t, "push", "--to", dir, "--project", c.Project, "--dry-run", "--json")
	if r.code != 0 {
		t.Fatalf("dry run: exit %d\n%s", r.code, r.stderr)
	}
	var out struct{ Plan mirror.Plan }
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("dry run JSON: %v\n%s", err, r.stdout)
	}
	kinds := map[string]bool{}
	for _, v := range out.Plan.Versions {
		kinds[v.Path+"@"+v.Version] = v.Full
	}
	if full, ok := kinds["example.com/beta@v1.0.0"]; !ok || full || !kinds["example.com/beta@v1.1.0"] {
		t.Errorf("dry-run plan versions: %v", kinds)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("--dry-run wrote %s", dir)
	}

	// The push itself, with the serving help and web.config.
	r = runCLI(t, "push", "--to", dir, "--project", c.Project, "--iis")
	if r.code != 0 {
		t.Fatalf("push: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"GOPROXY=" + gocmd.FileURL(dir), "location /goproxy/", "alias " + filepath.ToSlash(dir) + "/;", "web.config"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("push output lacks %q:\n%s", want, r.stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "web.config")); err != nil {
		t.Errorf("--iis: %v", err)
	}
	r = runCLI(t, "push", "--to", dir, "--project", c.Project)
	if r.code != 0 || !strings.Contains(r.stdout, "pushed 0 files") {
		t.Errorf("second push: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// A named mirror from the config, and a single version.
	named := filepath.Join(t.TempDir(), "named")
	cfg := "[mirrors.usb]\nurl = \"" + gocmd.FileURL(named) + "\"\n"
	if err := os.WriteFile(os.Getenv("MODCACHE_CONFIG"), []byte(cfg), 0o666); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, "push", "--to", "usb", "--with-deps=false", "example.com/gamma/v2@v2.0.0")
	if r.code != 0 || !pathExists(filepath.Join(named, "example.com/gamma/v2/@v/v2.0.0.zip")) {
		t.Errorf("push --to usb: exit %d\n%s", r.code, r.stderr)
	}
	if r := runCLI(t, "push", "--to", "nosuch", "example.com/gamma/v2@v2.0.0"); r.code != exitUsage || !strings.Contains(r.stderr, `no mirror named "nosuch"`) {
		t.Errorf("unknown mirror name: exit %d %s", r.code, r.stderr)
	}

	// The build that matters, from what the CLI pushed.
	db.Stop()
	build := filepath.Join(t.TempDir(), "project")
	os.MkdirAll(build, 0o777)
	for _, f := range []string{"go.mod", "main.go"} {
		data, _ := os.ReadFile(filepath.Join(c.Project, f))
		os.WriteFile(filepath.Join(build, f), data, 0o666)
	}
	fresh := filepath.Join(t.TempDir(), "modcache")
	fixture.MakeRemovable(t, fresh)
	env := fixture.With(fixture.GoEnv(fresh, gocmd.FileURL(dir)), "GOSUMDB="+db.VKey)
	fixture.Go(t, build, env, "build", "-o", os.DevNull, ".")
}

func TestPushRefusesCorruptZip(t *testing.T) {
	c := envCache(t)
	zip := filepath.Join(c.Root, "cache/download/example.com/gamma/v2/@v/v2.0.0.zip")
	os.Chmod(zip, 0o644)
	if err := os.WriteFile(zip, []byte("PK\x05\x06not a zip at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "mirror")
	r := runCLI(t, "push", "--to", dir, "--with-deps=false", "example.com/gamma/v2@v2.0.0", "example.com/alpha@v1.1.0")
	if r.code != exitFailure || !strings.Contains(r.stderr, "example.com/gamma/v2@v2.0.0: ") || !strings.Contains(r.stderr, "refused") {
		t.Fatalf("exit %d, want 1 with the refusal\n%s", r.code, r.stderr)
	}
	if pathExists(filepath.Join(dir, "example.com/gamma")) || !pathExists(filepath.Join(dir, "example.com/alpha/@v/v1.1.0.zip")) {
		t.Errorf("mirror holds %v", filesUnder(dir))
	}

	// With every version refused, nothing is pushed: not even the
	// checksum database, and no instructions for serving an empty mirror.
	empty := filepath.Join(t.TempDir(), "empty")
	r = runCLI(t, "push", "--to", empty, "--with-deps=false", "example.com/gamma/v2@v2.0.0")
	if r.code != exitFailure || !strings.Contains(r.stderr, "refused") || strings.Contains(r.stdout, "GOPROXY=") {
		t.Errorf("all refused: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if files := filesUnder(empty); len(files) > 0 {
		t.Errorf("all refused, yet the mirror holds %v", files)
	}
	if !strings.Contains(r.stderr, "verify --repair") {
		t.Errorf("a damaged version's refusal does not point at the repair:\n%s", r.stderr)
	}
	// A version that is simply missing offline gets no repair advice.
	r = runCLI(t, "push", "--to", empty, "--offline", "--with-deps=false", "example.com/gamma/v2@v2.1.0")
	if r.code != exitFailure || !strings.Contains(r.stderr, "--offline") || strings.Contains(r.stderr, "verify --repair") {
		t.Errorf("missing offline: exit %d\n%s", r.code, r.stderr)
	}
}

func pathExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

func filesUnder(dir string) []string {
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// A server that refuses every upload the same way (403) gets one line
// that says so, not a line per file and advice to retry as it is; and no
// client settings for a mirror that holds nothing.
func TestPushAllRefusedSameWay(t *testing.T) {
	envCache(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			http.Error(w, "bad credentials", http.StatusForbidden)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	r := runCLI(t, "push", "--to", srv.URL+"/repo/", "example.com/alpha@v1.2.0")
	if r.code != exitFailure || !strings.Contains(r.stderr, "failed, all the same way (403 Forbidden: bad credentials)") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if lines := strings.Count(r.stderr, "\n"); lines > 14 {
		t.Errorf("%d lines of errors:\n%s", lines, r.stderr)
	}
	if strings.Contains(r.stdout, "GOPROXY=") {
		t.Errorf("client settings printed for a failed push:\n%s", r.stdout)
	}
}

// A dry run downloads no zip: a version the cache lacks is named as what a
// real push would download first.
func TestPushDryRunDownloadsNothing(t *testing.T) {
	c := envCache(t)
	dir := filepath.Join(t.TempDir(), "mirror")
	r := runCLI(t, "push", "--to", dir, "--dry-run", "--with-deps=false", "example.com/gamma/v2@v2.1.0")
	if r.code != 0 || !strings.Contains(r.stdout, "not in the cache: example.com/gamma/v2@v2.1.0 (a real push downloads it first") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if pathExists(filepath.Join(c.Root, "cache/download/example.com/gamma/v2/@v/v2.1.0.zip")) {
		t.Error("the dry run downloaded the zip")
	}
	if pathExists(dir) {
		t.Errorf("the dry run wrote %v", filesUnder(dir))
	}
}
