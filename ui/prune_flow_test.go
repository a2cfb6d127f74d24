package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/fixture"
)

// ageVersion makes a version look unused for d, as atimes would after a
// long time without builds.
func ageVersion(t *testing.T, fc *fixture.Cache, path, version string, d time.Duration) cache.Files {
	t.Helper()
	fc.Age(t, path, version, time.Now().Add(-d))
	f, err := cache.PathsFor(fc.Root, path, version)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func exists(p string) bool { _, err := os.Lstat(p); return err == nil }

// P previews the configured policy and runs it; the cache stays one the
// go command builds from offline.
func TestFlowOneKeyPrune(t *testing.T) {
	opts, fc := realSetup(t)
	old := ageVersion(t, fc, "example.com/alpha", "v1.0.0", 90*24*time.Hour)
	opts.Actions.PrunePolicy = func(ctx context.Context, root string) (cache.Policy, []string, error) {
		return cache.Policy{TTL: 30 * 24 * time.Hour, Mode: cache.ModeDir}, nil, nil
	}
	f := startFlow(t, opts, 100, 30)
	f.waitFor("5 modules")
	f.keys("P")
	s := f.waitFor("policy ttl 30d", "frees", "enter prune")
	if !strings.Contains(s, "example.com/alpha@v1.0.0") {
		t.Fatalf("preview does not list the old version:\n%s", s)
	}
	if !exists(old.Tree) {
		t.Fatal("preview already removed something")
	}
	f.keys("enter")
	f.waitFor("✓ freed", "1 tree")
	if exists(old.Tree) || !exists(old.Zip) {
		t.Errorf("dir prune: tree exists %v, zip exists %v; want tree gone, zip kept", exists(old.Tree), exists(old.Zip))
	}
	f.keys("enter")
	// The list updated without a rescan: alpha v1.0.0 is now zip-only.
	f.keys("/", "a", "l", "p", "h", "a", "enter", "enter")
	s = f.waitFor("v1.0.0")
	if !strings.Contains(leftLine(s, "v1.0.0"), "zip") {
		t.Errorf("after prune, v1.0.0 should show as zip:\n%s", s)
	}
	fixture.Go(t, fc.Project, fixture.With(fc.Env, "GOPROXY=off"), "build", "-o", os.DevNull, ".")
	fixture.Go(t, fc.Project, fc.Env, "mod", "verify")
}

// d evicts marked versions; full mode of a version no remote has needs a
// second confirmation.
func TestFlowEvictMarked(t *testing.T) {
	opts, fc := realSetup(t)
	// gamma v2.0.0 vanishes upstream: the cached copy is irreplaceable.
	vdir := filepath.Join(fc.Proxy.Dir, "example.com", "gamma", "v2", "@v")
	for _, ext := range []string{".info", ".mod", ".zip"} {
		os.Remove(filepath.Join(vdir, "v2.0.0"+ext))
	}
	os.WriteFile(filepath.Join(vdir, "list"), []byte("v2.1.0\n"), 0o666)
	lookup := testLookup(opts)
	var asked atomic.Int32
	opts.Actions.Lookup = func(ctx context.Context, path string, versions []string) cache.ModuleAvailability {
		asked.Add(1)
		return lookup(ctx, path, versions)
	}
	for _, v := range []string{"v1.0.0", "v1.1.0"} {
		ageVersion(t, fc, "example.com/alpha", v, 10*24*time.Hour)
	}
	gamma := ageVersion(t, fc, "example.com/gamma/v2", "v2.0.0", 10*24*time.Hour)

	f := startFlow(t, opts, 100, 30)
	f.waitFor("5 modules")
	f.keys("d")
	f.waitFor("nothing marked: space marks")

	// Mark alpha v1.0.0 and gamma's only version.
	f.keys("/", "a", "l", "p", "h", "a", "enter", "enter", "G", "space", "esc")
	f.keys("/", "g", "a", "m", "enter", "space", "esc")
	f.waitFor("2 marked")
	f.keys("d")
	f.waitFor("Evict 2 marked", "mode", "2 trees (dir)")
	f.keys("tab") // full
	s := f.waitFor("1 whole version (full)", "include protected")
	if !strings.Contains(s, "irreplaceable") {
		t.Fatalf("gamma should be kept as irreplaceable:\n%s", s)
	}
	f.keys("!")
	f.waitFor("Remove them anyway?")
	f.keys("y")
	f.waitFor("2 whole versions (full)")
	// Planning again with the same marks (y) does not ask the remotes again.
	if n := asked.Load(); n != 2 {
		t.Errorf("the remotes were asked %d times about the 2 marked modules", n)
	}
	f.keys("enter")
	f.waitFor("✓ freed", "2 whole versions")
	alpha, _ := cache.PathsFor(fc.Root, "example.com/alpha", "v1.0.0")
	for _, p := range []string{alpha.Tree, alpha.Zip, alpha.Mod, gamma.Tree, gamma.Zip, gamma.Mod} {
		if exists(p) {
			t.Errorf("%s still exists after a full eviction", p)
		}
	}
	if !exists(alpha.Lock) {
		t.Error("the .lock was removed; go never deletes them and neither may we")
	}
	f.keys("enter")
	f.waitFor("nothing marked")
	// alpha v1.0.0 comes back from the proxy when needed; the project
	// itself (alpha v1.2.0, gamma v2.0.0...) needs gamma v2.0.0, which is
	// gone for good: that is what the second confirmation was about.
	fixture.Go(t, fc.Project, fc.Env, "mod", "download", "example.com/alpha@v1.0.0")
}

// A marked version used within the grace period is kept, and ! (after a
// warning) evicts it anyway: the user asked for that version by name.
func TestFlowEvictRecentWhenForced(t *testing.T) {
	opts, fc := realSetup(t)
	f := startFlow(t, opts, 100, 30)
	f.waitFor("5 modules")
	f.keys("/", "g", "a", "m", "enter", "space", "esc")
	f.waitFor("1 marked")
	f.keys("d")
	s := f.waitFor("kept 1 recent", "nothing to do", "! include protected")
	if strings.Contains(s, "enter evict") {
		t.Fatalf("a recently used version should not be evicted unasked:\n%s", s)
	}
	// Evicting whole, the recent warning does not cover irreplaceable:
	// that is a second warning of its own. tab asks anew.
	f.keys("tab")
	f.waitFor("kept 1 recent", "! include protected")
	f.keys("!")
	f.waitFor("used within the last 1h", "Remove them anyway?")
	f.keys("y")
	s = f.waitFor("kept 1 unverified", "! include protected")
	if strings.Contains(s, "1 whole version") {
		t.Fatalf("an irreplaceable version would go whole after the recent warning alone:\n%s", s)
	}
	f.keys("!")
	f.waitFor("Removing them whole loses them")
	f.keys("n")
	f.keys("tab") // back to dir: what ! allowed is forgotten
	f.waitFor("kept 1 recent", "nothing to do")
	f.keys("!")
	f.waitFor("used within the last 1h", "A build running right now", "Remove them anyway?")
	f.keys("y")
	f.waitFor("1 tree (dir)", "enter evict")
	f.keys("enter")
	f.waitFor("✓ freed")
	gamma, _ := cache.PathsFor(fc.Root, "example.com/gamma/v2", "v2.0.0")
	if exists(gamma.Tree) || !exists(gamma.Zip) {
		t.Errorf("a forced dir eviction should drop the tree and keep the zip")
	}
}

// testLookup asks the flow's own sources, as the CLI's lookup asks GOPROXY.
func testLookup(opts Options) cache.RemoteLookup {
	return func(ctx context.Context, path string, versions []string) cache.ModuleAvailability {
		var out cache.ModuleAvailability
		for _, src := range opts.Sources {
			vs, err := src.Versions(ctx, path)
			if err == nil {
				out.Versions = append(out.Versions, vs...)
			}
		}
		return out
	}
}

// When the session ends while a dialog is still planning, Close cancels
// the planning: nobody is left to read it.
func TestCloseStopsPlanning(t *testing.T) {
	opts, _ := realSetup(t)
	asked := make(chan struct{}, 1)
	dropped := make(chan struct{})
	opts.Actions.PrunePolicy = func(ctx context.Context, root string) (cache.Policy, []string, error) {
		asked <- struct{}{}
		<-ctx.Done()
		close(dropped)
		return cache.Policy{}, nil, ctx.Err()
	}
	f := startFlow(t, opts, 100, 30)
	f.waitFor("5 modules")
	f.keys("P")
	select {
	case <-asked:
	case <-time.After(20 * time.Second):
		t.Fatal("the prune dialog never started planning")
	}
	f.tm.Quit()
	f.tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model).Close()
	select {
	case <-dropped:
	case <-time.After(10 * time.Second):
		t.Fatal("Close left the planning running")
	}
}
