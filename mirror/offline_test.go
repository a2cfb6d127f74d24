package mirror

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/fixture"
	"github.com/modcache/modcache/internal/gocmd"
)

// TestOfflineBuild is the point of the package: push a project's closure to
// a directory, then build the project with an empty module cache, the
// mirror as the only GOPROXY, checksum verification on, and the checksum
// database unreachable. go must get every module, and every checksum
// record and tile, from the mirror.
func TestOfflineBuild(t *testing.T) {
	t.Parallel()
	c, db := fixture.NewCacheWithSumDB(t)
	mirror := filepath.Join(t.TempDir(), "mirror")
	plan, res := push(t, c, projectSelection(c), "file://"+filepath.ToSlash(mirror))
	db.Stop()

	if plan.Settings.GOPROXY != gocmd.FileURL(mirror) {
		t.Errorf("settings GOPROXY = %q, want %q", plan.Settings.GOPROXY, gocmd.FileURL(mirror))
	}
	if res.Sent == 0 || res.Lists == 0 {
		t.Fatalf("nothing pushed: %+v", res)
	}
	// beta v1.0.0 is only in the graph: its .mod is served but the list
	// names only the version the mirror holds completely.
	beta := filepath.Join(mirror, "example.com/beta/@v")
	if got := readFile(t, filepath.Join(beta, "list")); got != "v1.1.0\n" {
		t.Errorf("beta list = %q, want only v1.1.0", got)
	}
	if !exists(filepath.Join(beta, "v1.0.0.mod")) || exists(filepath.Join(beta, "v1.0.0.zip")) {
		t.Errorf("beta v1.0.0 should be graph-only: %v", listFiles(t, beta))
	}
	if !exists(filepath.Join(mirror, "sumdb", db.Name, "supported")) {
		t.Fatalf("no sumdb/%s/supported in the mirror", db.Name)
	}
	// alpha v1.0.0 and v1.1.0 are in the cache but not in the project.
	if exists(filepath.Join(mirror, "example.com/alpha/@v/v1.0.0.zip")) {
		t.Errorf("pushed alpha v1.0.0, which the project does not use")
	}

	sum := buildFresh(t, c, gocmd.FileURL(mirror), db.VKey)
	want, err := c.Proxy.GoSum("example.com/alpha", "v1.2.0")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(want), "\n") {
		if line != "" && !containsLine(sum, line) {
			t.Errorf("go.sum after the offline build lacks %q:\n%s", line, sum)
		}
	}
	if !strings.Contains(sum, "example.com/beta v1.0.0/go.mod ") {
		t.Errorf("go.sum lacks the graph-only beta v1.0.0/go.mod:\n%s", sum)
	}

	// The same tree behind a plain web server.
	srv := httptest.NewServer(http.FileServer(http.Dir(mirror)))
	defer srv.Close()
	buildFresh(t, c, srv.URL, db.VKey)
}

// A cached lookup that is not a record go would have written is never
// pushed (go would reject the module over it), and the settings say which
// versions the mirror has no record of.
func TestBadLookupNotPushed(t *testing.T) {
	t.Parallel()
	c, db := fixture.NewCacheWithSumDB(t)
	db.Stop()
	lookup := cache.SumDBLookupPath(c.Root, db.Name, "example.com/alpha", "v1.2.0")
	os.Chmod(lookup, 0o644)
	if err := os.WriteFile(lookup, []byte("garbage\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mirror := filepath.Join(t.TempDir(), "mirror")
	plan, _ := push(t, c, projectSelection(c), mirror)
	for _, f := range plan.SumDB {
		if strings.Contains(f.Name, "lookup/example.com/alpha@v1.2.0") {
			t.Errorf("the garbage lookup is in the plan: %s", f.Name)
		}
	}
	if exists(filepath.Join(mirror, "sumdb", db.Name, "lookup", "example.com", "alpha@v1.2.0")) {
		t.Error("the garbage lookup was pushed")
	}
	notes := strings.Join(plan.Settings.Notes, "\n")
	if !strings.Contains(notes, "no "+db.Name+" record of") || !strings.Contains(notes, "example.com/alpha@v1.2.0") {
		t.Errorf("settings notes do not name the version without a record:\n%s", notes)
	}
}

// Online, a version the cache has no checksum database record of (go
// checked it against a go.sum) gets its record fetched by go before the
// push, so clients without go.sum lines keep GOSUMDB on offline.
func TestMissingRecordsFetched(t *testing.T) {
	t.Parallel()
	c, db := fixture.NewCacheWithSumDB(t)
	lookup := cache.SumDBLookupPath(c.Root, db.Name, "example.com/alpha", "v1.2.0")
	if err := os.Remove(lookup); err != nil {
		t.Fatal(err)
	}
	mirror := filepath.Join(t.TempDir(), "mirror")
	plan, _ := push(t, c, projectSelection(c), mirror)
	db.Stop()
	if !exists(filepath.Join(mirror, "sumdb", db.Name, "lookup", "example.com", "alpha@v1.2.0")) {
		t.Errorf("the missing record was not fetched and pushed; notes: %v", plan.Settings.Notes)
	}
	for _, n := range plan.Settings.Notes {
		if strings.Contains(n, "record of") {
			t.Errorf("note about missing records: %s", n)
		}
	}
	buildFresh(t, c, gocmd.FileURL(mirror), db.VKey)
}
