//go:build unix

package mirror

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/modcache/modcache/internal/fixture"
	"github.com/modcache/modcache/internal/gocmd"
)

// cancelAfter lets n uploads through, then cancels the push while the
// next one is sending its bytes, like a user pressing ^C or a killed
// process.
type cancelAfter struct {
	Target
	n      atomic.Int64
	cancel context.CancelFunc
}

func (c *cancelAfter) Put(ctx context.Context, name string, src *Source, progress func(int64)) error {
	if c.n.Add(-1) < 0 {
		inner := progress
		progress = func(n int64) {
			c.cancel()
			if inner != nil {
				inner(n)
			}
		}
	}
	return c.Target.Put(ctx, name, src, progress)
}

// TestS3 pushes to a real S3 server (versitygw over a directory), kills
// the push half way, resumes it, and builds from the bucket's directory.
func TestS3(t *testing.T) {
	t.Parallel()
	c, db := fixture.NewCacheWithSumDB(t)
	url, dir, opts := startVersityGW(t, "goproxy")
	ctx := context.Background()
	tg, err := Open(ctx, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := BuildPlan(ctx, scan(t, c.Root), projectSelection(c), tg)
	if err != nil {
		t.Fatal(err)
	}
	total := plan.Totals()
	if total.PresentFiles != 0 || total.Files < 10 {
		t.Fatalf("fresh bucket: totals %+v", total)
	}

	// The interrupted push.
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	const before = 5
	interrupted := &cancelAfter{Target: tg, cancel: cancel}
	interrupted.n.Store(before)
	res, err := NewPush(plan, interrupted, PushOptions{Jobs: 1}).Run(cctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted push: err = %v, want context.Canceled", err)
	}
	if res.Sent != before || res.Lists != 0 {
		t.Fatalf("interrupted push sent %d files and %d lists; want %d files, no lists", res.Sent, res.Lists, before)
	}
	// What is visible is whole, and no version is listed yet.
	checkTree(t, dir, plan)
	for _, f := range listFiles(t, dir) {
		if strings.HasSuffix(f, "/list") || strings.HasSuffix(f, "/supported") {
			t.Errorf("%s written before the files it vouches for", f)
		}
	}

	// Resume: the plan sees what arrived, and the push skips it.
	plan, err = BuildPlan(ctx, scan(t, c.Root), projectSelection(c), tg)
	if err != nil {
		t.Fatal(err)
	}
	// The upload cut off may have landed whole before the cancel reached
	// it; it must not have landed in part (checkTree above).
	present := plan.Totals().PresentFiles
	if present != res.Sent && present != res.Sent+1 {
		t.Errorf("resumed plan: %d files present, want %d", present, res.Sent)
	}
	res2, err := NewPush(plan, tg, PushOptions{}).Run(ctx)
	if err != nil || len(res2.Failures) > 0 {
		t.Fatalf("resumed push: %v %v", err, res2.Failures)
	}
	if want := total.Files - present; res2.Skipped != present || res2.Sent != want {
		t.Errorf("resumed push sent %d and skipped %d; want %d and %d", res2.Sent, res2.Skipped, want, present)
	}
	checkTree(t, dir, plan)

	// Browsing the bucket.
	if vs, err := tg.Versions(ctx, "example.com/beta"); err != nil || !slices.Equal(vs, []string{"v1.1.0"}) {
		t.Errorf("Versions(beta) = %v, %v; want [v1.1.0]", vs, err)
	}
	if paths, err := tg.Catalog(ctx); err != nil || !slices.Contains(paths, "example.com/Azure/Storage") {
		t.Errorf("Catalog = %v, %v", paths, err)
	}

	db.Stop()
	buildFresh(t, c, gocmd.FileURL(dir), db.VKey)
}

// checkTree asserts that every file under dir is a complete copy of the
// plan's file of that name (lists excepted), and that no temp file shows.
func checkTree(t testing.TB, dir string, plan *Plan) {
	t.Helper()
	want := map[string]*File{}
	for _, f := range plan.files() {
		want[f.Name] = f
	}
	for _, name := range listFiles(t, dir) {
		if strings.HasSuffix(name, "/@v/list") {
			continue
		}
		f := want[name]
		if f == nil {
			t.Errorf("unexpected file %s in the mirror", name)
			continue
		}
		have, err := FileSource(filepath.Join(dir, filepath.FromSlash(name)), f.Size).SHA256()
		if err != nil {
			t.Errorf("%s: %v (partial file?)", name, err)
			continue
		}
		if wantSum, _ := f.src.SHA256(); have != wantSum {
			t.Errorf("%s differs from the cache's file", name)
		}
	}
}

// TestHTTPPut pushes to nginx's WebDAV PUT and builds through nginx.
func TestHTTPPut(t *testing.T) {
	t.Parallel()
	c, db := fixture.NewCacheWithSumDB(t)
	base, dir := startNginx(t)
	plan, res := push(t, c, projectSelection(c), base+"/goproxy/")
	if res.Sent != plan.Totals().Files || res.Lists == 0 {
		t.Errorf("sent %d files and %d lists, plan has %d files", res.Sent, res.Lists, plan.Totals().Files)
	}
	checkTree(t, filepath.Join(dir, "goproxy"), plan)
	if plan.Settings.GOPROXY != base+"/goproxy" {
		t.Errorf("settings GOPROXY = %q", plan.Settings.GOPROXY)
	}

	// A second push finds everything there (HEAD and GET back).
	_, res = push(t, c, projectSelection(c), base+"/goproxy/")
	if res.Sent != 0 || res.Skipped != plan.Totals().Files {
		t.Errorf("second push sent %d, skipped %d; want 0 and %d", res.Sent, res.Skipped, plan.Totals().Files)
	}

	db.Stop()
	buildFresh(t, c, base+"/goproxy", db.VKey)
}

// TestAthensLayout checks that files land where Athens' disk storage reads
// them, and that graph-only versions get their zip, since Athens lists
// every version directory and serves source.zip from any of them.
func TestAthensLayout(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	dir := filepath.Join(t.TempDir(), "athens")
	sel := projectSelection(c)
	plan, _ := push(t, c, sel, "athens://"+filepath.ToSlash(dir))
	if len(plan.SumDB) != 0 {
		t.Errorf("Athens storage got checksum database files: %v", plan.SumDB)
	}
	for _, v := range plan.Versions {
		if !v.Full {
			t.Errorf("%s@%s graph-only in Athens storage", v.Path, v.Version)
		}
	}
	for _, m := range []struct{ path, version string }{
		{"example.com/Azure/Storage", "v0.1.0"}, // decoded path, upper case kept
		{"example.com/alpha", "v1.2.0"},
		{"example.com/beta", "v1.0.0"}, // graph-only in the project, full here
		{"example.com/gamma/v2", "v2.0.0"},
	} {
		vdir := filepath.Join(dir, filepath.FromSlash(m.path), m.version)
		names := []string{"go.mod", "source.zip", m.version + ".info"}
		for _, n := range names {
			if !exists(filepath.Join(vdir, n)) {
				t.Errorf("missing %s", filepath.Join(vdir, n))
			}
		}
		if got := len(listFiles(t, vdir)); got != len(names) {
			t.Errorf("%s holds %d files, want %v", vdir, got, names)
		}
	}
	escaped := filepath.Join(c.Root, "cache/download/example.com/!azure/!storage/@v/v0.1.0.mod")
	if readFile(t, escaped) != readFile(t, filepath.Join(dir, "example.com/Azure/Storage/v0.1.0/go.mod")) {
		t.Errorf("go.mod differs from the cached .mod")
	}
	for _, f := range listFiles(t, dir) {
		if strings.Contains(f, "@v") || strings.HasSuffix(f, "list") || strings.HasPrefix(f, "sumdb") {
			t.Errorf("GOPROXY-layout file %s in Athens storage", f)
		}
	}
	tg, _ := Open(context.Background(), "athens://"+filepath.ToSlash(dir), Options{})
	if vs, _ := tg.Versions(context.Background(), "example.com/beta"); !slices.Equal(vs, []string{"v1.0.0", "v1.1.0"}) {
		t.Errorf("Versions(beta) = %v", vs)
	}
	if paths, _ := tg.Catalog(context.Background()); !slices.Contains(paths, "example.com/Azure/Storage") || len(paths) != 5 {
		t.Errorf("Catalog = %v", paths)
	}
	if _, err := os.Stat(filepath.Join(dir, "example.com", "alpha", "v1.0.0")); err == nil {
		t.Errorf("pushed alpha v1.0.0, which the project does not use")
	}
}

// TestNginxLocationServesGo: the location block printed after a push to a
// directory, pasted into a real nginx, serves that directory to go with
// checksums verified, even from a path with a space in it.
func TestNginxLocationServesGo(t *testing.T) {
	t.Parallel()
	c, db := fixture.NewCacheWithSumDB(t)
	dir := filepath.Join(t.TempDir(), "go mirror")
	push(t, c, projectSelection(c), dir)
	db.Stop()
	base := startNginxWith(t, t.TempDir(), NginxLocation(dir, "/goproxy/"))
	buildFresh(t, c, base+"/goproxy", db.VKey)
}
