package cache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/lockedfile"
	"golang.org/x/mod/module"

	"github.com/modcache/modcache/internal/fixture"
)

// These tests prune caches the real go command wrote and end by asking
// go whether the cache is still sound (fixture.Cache.Sound).

var longAgo = time.Now().Add(-60 * 24 * time.Hour).Truncate(time.Second)

func prScan(t *testing.T, root string) *Cache {
	t.Helper()
	c, err := Scan(context.Background(), root, ScanOptions{NoIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// prPlan is PlanPrune, failing the test on an error.
func prPlan(t *testing.T, c *Cache, p Policy, avail Replaceable) *Plan {
	t.Helper()
	plan, err := PlanPrune(c, p, avail)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func prRun(t *testing.T, root string, plan *Plan) *PruneResult {
	t.Helper()
	res, err := NewPruner(root, plan, PruneOptions{LockWait: 200 * time.Millisecond}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range res.Errors {
		t.Errorf("prune error: %v", err)
	}
	return res
}

// prFiles reports which of a version's files are on disk.
func prFiles(t *testing.T, fc *fixture.Cache, path, version string) string {
	t.Helper()
	tree, base := fc.Files(t, path, version)
	var have []string
	if _, err := os.Lstat(tree); err == nil {
		have = append(have, "tree")
	}
	for _, ext := range []string{".zip", ".ziphash", ".mod", ".info", ".lock", ".partial"} {
		if _, err := os.Lstat(base + ext); err == nil {
			have = append(have, ext)
		}
	}
	return strings.Join(have, " ")
}

// listAgrees checks every list file names exactly the versions with a .mod.
func listAgrees(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(filepath.Join(root, "cache", "download"), func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() || d.Name() != "@v" {
			return nil
		}
		ents, _ := os.ReadDir(p)
		var want []string
		for _, e := range ents {
			if v, ok := strings.CutSuffix(e.Name(), ".mod"); ok {
				want = append(want, v)
			}
		}
		sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
		data, _ := os.ReadFile(filepath.Join(p, "list"))
		got := strings.Fields(string(data))
		sort.Strings(got)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s/list = %q, .mod files: %q", p, got, want)
		}
		return nil
	})
}

func TestPruneDirKeepsOfflineBuilds(t *testing.T) {
	fc := fixture.NewCache(t)
	fc.AgeAll(t, longAgo)
	c := prScan(t, fc.Root)
	plan := prPlan(t, c, Policy{TTL: 30 * 24 * time.Hour, Mode: ModeDir}, nil)
	if d, f := plan.Count(); d != 7 || f != 0 {
		t.Fatalf("plan: %d dir, %d full; want the 7 trees", d, f)
	}
	pr := NewPruner(fc.Root, plan, PruneOptions{})
	res, err := pr.Run(context.Background())
	if err != nil || len(res.Errors) > 0 || len(res.Skipped) > 0 {
		t.Fatalf("run: %v, errors %v, skipped %v", err, res.Errors, res.Skipped)
	}
	if p := pr.Progress(); p.Done != p.Total || p.Freed != res.Freed || res.Freed != plan.Bytes {
		t.Errorf("progress %+v, freed %d, planned %d", p, res.Freed, plan.Bytes)
	}
	if got := prFiles(t, fc, "example.com/alpha", "v1.2.0"); got != ".zip .ziphash .mod .info .lock" {
		t.Errorf("alpha v1.2.0 after dir prune: %s", got)
	}
	listAgrees(t, fc.Root)

	// Apply gives what a rescan gives.
	c.Apply(res)
	prSameAsScan(t, c, prScan(t, fc.Root))

	fc.Sound(t, "off")
}

// prSameAsScan compares the parts of an applied Cache a UI shows with a
// fresh scan.
func prSameAsScan(t *testing.T, applied, fresh *Cache) {
	t.Helper()
	desc := func(c *Cache) string {
		var b strings.Builder
		for _, m := range c.Modules {
			fmt.Fprintf(&b, "%s %d\n", m.Path, m.Bytes)
			for _, v := range m.Versions {
				fmt.Fprintf(&b, "  %s %v has=%b tree=%d zip=%d files=%d\n", v.Version, v.State, v.Has&^HasLock, v.TreeBytes, v.ZipBytes, v.Files)
			}
		}
		fmt.Fprintf(&b, "strays %d vcs %d trees %d zips %d\n", len(c.Strays), len(c.VCS), c.Usage.Trees, c.Usage.Zips)
		return b.String()
	}
	if a, f := desc(applied), desc(fresh); a != f {
		t.Errorf("after Apply:\n%s\nfresh scan:\n%s", a, f)
	}
	// Directories left behind and list files make a small difference.
	if d := applied.Usage.Total - fresh.Usage.Total; d < -64<<10 || d > 64<<10 {
		t.Errorf("applied total %d, fresh scan %d", applied.Usage.Total, fresh.Usage.Total)
	}
}

func TestPruneFullNeedsOnlyTheProxy(t *testing.T) {
	fc := fixture.NewCache(t)
	fc.AgeAll(t, longAgo)
	c := prScan(t, fc.Root)
	plan := prPlan(t, c, Policy{TTL: 30 * 24 * time.Hour, Mode: ModeFull}, allAvailable)
	if _, f := plan.Count(); f != c.VersionCount() {
		t.Fatalf("plan: %d full evictions, want all %d versions", f, c.VersionCount())
	}
	res := prRun(t, fc.Root, plan)
	if got := prFiles(t, fc, "example.com/alpha", "v1.2.0"); got != ".lock" {
		t.Errorf("alpha v1.2.0 after full prune: %q, want only the lock", got)
	}
	listAgrees(t, fc.Root)
	c.Apply(res)
	if n := c.VersionCount(); n != 0 {
		t.Errorf("after Apply %d versions remain", n)
	}
	fc.Sound(t, fc.Proxy.URL())
}

func TestPruneSkipsVersionLockedByGo(t *testing.T) {
	fc := fixture.NewCache(t)
	fc.AgeAll(t, longAgo)
	_, base := fc.Files(t, "example.com/gamma/v2", "v2.0.0")
	release, err := lockedfile.MutexAt(base + ".lock").Lock()
	if err != nil {
		t.Fatal(err)
	}
	unlock := sync.OnceFunc(release)
	defer unlock()
	c := prScan(t, fc.Root)
	plan := prPlan(t, c, Policy{TTL: time.Hour, Mode: ModeFull}, allAvailable)
	start := time.Now()
	res := prRun(t, fc.Root, plan)
	if len(res.Skipped) != 1 || res.Skipped[0].Item != "example.com/gamma/v2@v2.0.0" || !strings.Contains(res.Skipped[0].Reason, "locked by a running go command") {
		t.Fatalf("skipped %+v", res.Skipped)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("waited %v for the lock", time.Since(start))
	}
	if got := prFiles(t, fc, "example.com/gamma/v2", "v2.0.0"); got != "tree .zip .ziphash .mod .info .lock" {
		t.Errorf("locked version was touched: %s", got)
	}
	if len(res.Done) != c.VersionCount()-1 {
		t.Errorf("done %d of %d", len(res.Done), c.VersionCount()-1)
	}
	unlock()
	fc.Sound(t, fc.Proxy.URL())
}

func TestPruneNeverLeavesTheRoot(t *testing.T) {
	fc := fixture.NewCache(t)
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret")
	if err := os.WriteFile(secret, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A symlink inside a tree pointing outside: the link goes, the target stays.
	tree, _ := fc.Files(t, "example.com/alpha", "v1.0.0")
	os.Chmod(tree, 0o755)
	if err := os.Symlink(outside, filepath.Join(tree, "escape")); err != nil {
		t.Fatal(err)
	}
	// A prefix directory that is a symlink to outside, holding what looks
	// like a version.
	fake := filepath.Join(outside, "fake")
	os.MkdirAll(filepath.Join(fake, "x@v1.0.0"), 0o755)
	os.WriteFile(filepath.Join(fake, "x@v1.0.0", "f.go"), []byte("package x"), 0o644)
	os.MkdirAll(filepath.Join(fake, "dl", "x", "@v"), 0o755)
	os.WriteFile(filepath.Join(fake, "dl", "x", "@v", "v1.0.0.mod"), []byte("module evil.example/x"), 0o644)
	if err := os.Symlink(fake, filepath.Join(fc.Root, "evil.example")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(fake, "dl"), filepath.Join(fc.Root, "cache", "download", "evil.example")); err != nil {
		t.Fatal(err)
	}
	plan := &Plan{
		Actions: []Action{
			{Path: "example.com/alpha", Version: "v1.0.0", Mode: ModeFull},
			{Path: "evil.example/x", Version: "v1.0.0", Mode: ModeFull},
			{Path: "example.com/../../etc", Version: "v1.0.0", Mode: ModeFull},
			{Path: "example.com/alpha", Version: "v1.0.0/../../..", Mode: ModeFull},
		},
		Strays: []Stray{
			{Path: "cache/download/../../../secret.tmp", Kind: "tmp"},
			{Path: "evil.example/x@v1.0.0.tmp-1", Kind: "tmpdir"},
		},
		VCS: []VCSRepo{{Dir: "cache/vcs/../.."}},
	}
	res, err := NewPruner(fc.Root, plan, PruneOptions{}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Done) != 1 || res.Done[0].Path != "example.com/alpha" {
		t.Errorf("done %+v, want only alpha", res.Done)
	}
	if len(res.Errors) != 6 {
		t.Errorf("want 6 refusals, got %d:", len(res.Errors))
	}
	for _, err := range res.Errors {
		t.Log(err)
		if msg := err.Error(); !strings.Contains(msg, "refusing") && !strings.Contains(msg, "invalid") {
			t.Errorf("unclear refusal: %v", err)
		}
	}
	for _, p := range []string{secret, filepath.Join(fake, "x@v1.0.0", "f.go"), filepath.Join(fake, "dl", "x", "@v", "v1.0.0.mod")} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("outside the root: %v", err)
		}
	}
	os.Remove(filepath.Join(fc.Root, "evil.example"))
	os.Remove(filepath.Join(fc.Root, "cache", "download", "evil.example"))
	fc.Sound(t, fc.Proxy.URL())
}

// TestPruneCrashPoints stops a delete after each step of the protocol, as
// a crash would, and checks that go accepts what is left (offline for a
// dir eviction, with the proxy for a full one) and that a second prune
// finishes the job.
func TestPruneCrashPoints(t *testing.T) {
	base := fixture.NewCache(t)
	const path, version = "example.com/alpha", "v1.2.0"
	steps := map[Mode][]string{
		ModeDir:  {"locked", "partial", "tree", "list"},
		ModeFull: {"locked", "partial", "tree", ".zip", ".ziphash", ".mod", ".info", "list"},
	}
	errCrash := errors.New("crash")
	for _, mode := range []Mode{ModeDir, ModeFull} {
		goproxy := "off"
		if mode == ModeFull {
			goproxy = base.Proxy.URL()
		}
		for _, at := range steps[mode] {
			t.Run(mode.String()+"/"+at, func(t *testing.T) {
				fc := base.Clone(t)
				stepHook = func(item, step string) error {
					if step == at {
						return errCrash
					}
					return nil
				}
				plan := PlanEvict(prScan(t, fc.Root), []module.Version{{Path: path, Version: version}},
					Policy{Mode: mode, Grace: -1}, allAvailable)
				res, err := NewPruner(fc.Root, plan, PruneOptions{}).Run(context.Background())
				stepHook = nil
				if err != nil || len(res.Errors) != 1 || !errors.Is(res.Errors[0], errCrash) {
					t.Fatalf("crash not injected: %v %v", err, res.Errors)
				}
				// What go sees right after the crash, on a copy so the
				// second prune below starts from the crash too.
				fc.Clone(t).Sound(t, goproxy)

				c := prScan(t, fc.Root)
				plan = PlanEvict(c, []module.Version{{Path: path, Version: version}}, Policy{Mode: mode, Grace: -1}, allAvailable)
				plan.Strays = c.Strays
				res = prRun(t, fc.Root, plan)
				if len(res.Skipped) > 0 {
					t.Errorf("second prune skipped %v", res.Skipped)
				}
				want := ".zip .ziphash .mod .info .lock"
				if mode == ModeFull {
					want = ".lock"
				}
				if got := prFiles(t, fc, path, version); got != want {
					t.Errorf("after the second prune: %q, want %q", got, want)
				}
				listAgrees(t, fc.Root)
				fc.Sound(t, goproxy)
			})
		}
	}
}

func TestPruneStraysAndClones(t *testing.T) {
	fc := fixture.NewCache(t)
	_, alpha := fc.Files(t, "example.com/alpha", "v1.0.0")
	oldTmp, newTmp := alpha+".zip12345.tmp", alpha+".info999.tmp"
	os.WriteFile(oldTmp, make([]byte, 10000), 0o644)
	os.WriteFile(newTmp, []byte("{}"), 0o644)
	two := time.Now().Add(-2 * time.Hour)
	os.Chtimes(oldTmp, two, two)
	// An orphan .partial: go was killed while extracting gamma.
	gammaTree, gamma := fc.Files(t, "example.com/gamma/v2", "v2.0.0")
	os.WriteFile(gamma+".partial", nil, 0o644)
	// A clone from a direct fetch, unused for long.
	hash := strings.Repeat("cd", 32)
	vcs := filepath.Join(fc.Root, "cache", "vcs")
	os.MkdirAll(filepath.Join(vcs, hash, "objects"), 0o755)
	os.WriteFile(filepath.Join(vcs, hash, "objects", "pack"), make([]byte, 20000), 0o444)
	os.Chmod(filepath.Join(vcs, hash, "objects"), 0o555)
	os.WriteFile(filepath.Join(vcs, hash+".info"), []byte("git:https://example.com/r"), 0o644)
	os.WriteFile(filepath.Join(vcs, hash+".lock"), nil, 0o644)
	os.Chtimes(filepath.Join(vcs, hash+".info"), longAgo, longAgo)
	os.Chtimes(filepath.Join(vcs, hash), longAgo, longAgo)

	c := prScan(t, fc.Root)
	plan := prPlan(t, c, Policy{TTL: 30 * 24 * time.Hour, Mode: ModeDir}, nil)
	if len(plan.Strays) != 3 || len(plan.VCS) != 1 {
		t.Fatalf("plan strays %+v vcs %+v", plan.Strays, plan.VCS)
	}
	res := prRun(t, fc.Root, plan)
	if len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Item, "info999.tmp") || !strings.Contains(res.Skipped[0].Reason, "recently") {
		t.Errorf("skipped %+v, want the fresh temp file", res.Skipped)
	}
	for _, p := range []string{oldTmp, gamma + ".partial", gammaTree, filepath.Join(vcs, hash), filepath.Join(vcs, hash+".info")} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s still exists", p)
		}
	}
	for _, p := range []string{newTmp, gamma + ".zip", filepath.Join(vcs, hash+".lock")} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s was removed", p)
		}
	}
	c.Apply(res)
	if v := c.Lookup("example.com/gamma/v2", "v2.0.0"); v == nil || v.State != ZipOnly {
		t.Errorf("gamma after Apply: %+v", v)
	}
	fresh := prScan(t, fc.Root)
	// The clone's .lock stays (go never removes locks); it is no clone.
	fresh.VCS = slices.DeleteFunc(fresh.VCS, func(r VCSRepo) bool { return r.Created.IsZero() })
	prSameAsScan(t, c, fresh)
	fc.Sound(t, "off")
}

func TestPruneCancelStopsBetweenVersions(t *testing.T) {
	fc := fixture.NewCache(t)
	fc.AgeAll(t, longAgo)
	c := prScan(t, fc.Root)
	plan := prPlan(t, c, Policy{TTL: time.Hour, Mode: ModeFull}, allAvailable)
	ctx, cancel := context.WithCancel(context.Background())
	stepHook = func(item, step string) error {
		if step == "list" {
			cancel() // after the first version's last step
		}
		return nil
	}
	res, err := NewPruner(fc.Root, plan, PruneOptions{Workers: 1}).Run(ctx)
	stepHook = nil
	if err != nil || !res.Cancelled || len(res.Done) != 1 || len(res.Errors) != 0 {
		t.Fatalf("cancelled run: err %v, cancelled %v, done %d, errors %v", err, res.Cancelled, len(res.Done), res.Errors)
	}
	fc.Clone(t).Sound(t, fc.Proxy.URL())
	// A second run carries on with the rest.
	c = prScan(t, fc.Root)
	plan, _ = PlanPrune(c, Policy{TTL: time.Hour, Mode: ModeFull}, allAvailable)
	if len(plan.Actions) != c.VersionCount() || c.VersionCount() != 7 {
		t.Errorf("second plan: %d actions, %d versions", len(plan.Actions), c.VersionCount())
	}
	prRun(t, fc.Root, plan)
	fc.Sound(t, fc.Proxy.URL())
}

// Under the version lock, an eviction checks the scan's picture still
// holds: a dir eviction keeps a tree whose zip is damaged (the tree is
// then the only good copy), and a full eviction leaves a version go has
// downloaded since the scan (a build is using it).
func TestPruneRechecksUnderTheLock(t *testing.T) {
	fc := fixture.NewCache(t)
	fc.AgeAll(t, longAgo)
	c := prScan(t, fc.Root)

	// alpha v1.2.0: its zip is truncated after the scan.
	cutZip(t, fc.Root, "example.com/alpha", "v1.2.0")
	plan := PlanEvict(c, []module.Version{{Path: "example.com/alpha", Version: "v1.2.0"}}, Policy{Mode: ModeDir, Grace: -1}, allAvailable)
	res := prRun(t, fc.Root, plan)
	if len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, "zip is damaged") {
		t.Errorf("dir eviction over a damaged zip: done %v skipped %+v", res.Done, res.Skipped)
	}
	if got := prFiles(t, fc, "example.com/alpha", "v1.2.0"); !strings.HasPrefix(got, "tree ") {
		t.Errorf("the only good copy was removed: %s", got)
	}

	// beta v1.0.0 is graph-only in the scan; go then downloads it whole.
	plan = PlanEvict(c, []module.Version{{Path: "example.com/beta", Version: "v1.0.0"}}, Policy{Mode: ModeFull, Grace: -1, Force: true}, allAvailable)
	if len(plan.Actions) != 1 {
		t.Fatalf("plan: %+v", plan)
	}
	fixture.Go(t, fc.Project, fc.Env, "mod", "download", "example.com/beta@v1.0.0")
	res = prRun(t, fc.Root, plan)
	if len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, "downloaded or extracted it since the scan") {
		t.Errorf("full eviction of a version go just fetched: done %v skipped %+v", res.Done, res.Skipped)
	}
	if got := prFiles(t, fc, "example.com/beta", "v1.0.0"); got != "tree .zip .ziphash .mod .info .lock" {
		t.Errorf("what go fetched was touched: %s", got)
	}
}

// A directory that is not a module cache (no cache/download) is never
// pruned, even where its names look like go's leftovers.
func TestPruneRefusesANonCache(t *testing.T) {
	home := t.TempDir()
	left := filepath.Join(home, "work@v1.0.0.tmp-20240101")
	os.MkdirAll(left, 0o755)
	os.WriteFile(filepath.Join(left, "thesis.txt"), []byte("precious"), 0o644)
	old := time.Now().Add(-30 * 24 * time.Hour)
	os.Chtimes(left, old, old)
	c := prScan(t, home)
	plan := prPlan(t, c, Policy{TTL: time.Hour, Grace: -1}, allAvailable)
	_, err := NewPruner(home, plan, PruneOptions{}).Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "does not look like a Go module cache") {
		t.Errorf("prune of a non-cache: %v", err)
	}
	if _, err := os.Stat(filepath.Join(left, "thesis.txt")); err != nil {
		t.Errorf("a file outside any module cache was removed: %v", err)
	}
	if _, err := Repair(context.Background(), home, nil, RepairOptions{}); err == nil {
		t.Error("repair of a non-cache went ahead")
	}
}
