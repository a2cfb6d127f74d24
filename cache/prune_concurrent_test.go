package cache

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modcache/modcache/internal/fixture"
)

// TestPruneWhileGoDownloads runs a full prune while go mod download writes
// new versions of the same modules (sharing their list files and locks)
// and re-downloads the versions being evicted. go may lose the race for a
// version whose zip vanishes under it, as it would with go clean. It may
// also win it: go reads .info and .mod without any lock, so having read
// them before the eviction it waits for the version lock and then fetches
// the zip again, leaving a version whose .mod the prune removed. Online
// go fetches the .mod when it next needs it, as it does after go clean.
// What must hold is that the prune reports no error, any damage is only
// that, go succeeds when run again, every list matches its .mod files,
// and the cache is then sound.
func TestPruneWhileGoDownloads(t *testing.T) {
	const n, k = 8, 6
	many := fixture.Many(n, k, 20)
	p := fixture.NewProxy(t, append(fixture.Standard(), many...)...)
	requires := append([]string(nil), fixture.ProjectRequires...)
	var old, fresh []string
	for i := range n {
		path := fmt.Sprintf("example.com/many/m%02d", i)
		requires = append(requires, path+" v1.5.0")
		old = append(old, path+"@v1.0.0", path+"@v1.1.0", path+"@v1.2.0")
		fresh = append(fresh, path+"@v1.3.0", path+"@v1.4.0")
	}
	fc := fixture.FillCache(t, p, requires, old...)
	fc.AgeAll(t, longAgo)
	c := prScan(t, fc.Root)
	plan := prPlan(t, c, Policy{TTL: 30 * 24 * time.Hour, Mode: ModeFull, Grace: -1}, allAvailable)
	if len(plan.Actions) < 3*n {
		t.Fatalf("plan has only %d actions", len(plan.Actions))
	}

	type result struct {
		out string
		err error
	}
	download := func(mods []string) chan result {
		ch := make(chan result, 1)
		go func() {
			out, err := fixture.RunGo(context.Background(), fc.Project, fc.Env, append([]string{"mod", "download"}, mods...)...)
			ch <- result{out, err}
		}()
		return ch
	}
	newDone := download(fresh)
	oldDone := download(old)
	// Start pruning once go is writing.
	_, first := fc.Files(t, "example.com/many/m00", "v1.3.0")
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if _, err := os.Stat(first + ".info"); err == nil {
			break
		}
	}
	res, err := NewPruner(fc.Root, plan, PruneOptions{LockWait: 5 * time.Second}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range res.Errors {
		t.Errorf("prune error: %v", err)
	}
	t.Logf("pruned %d versions, skipped %d", len(res.Done), len(res.Skipped))
	if r := <-newDone; r.err != nil {
		t.Errorf("go mod download of new versions failed beside the prune: %v\n%s", r.err, r.out)
	}
	if r := <-oldDone; r.err != nil {
		t.Logf("go mod download of versions being evicted lost the race (allowed): %v\n%s", r.err, r.out)
	}
	listAgrees(t, fc.Root)
	for _, f := range prVerify(t, fc.Root).Findings {
		_, base := fc.Files(t, f.Path, f.Version)
		if _, err := os.Stat(base + ".zip"); f.Kind == FindingState && strings.Contains(f.Detail, ".mod missing") && err == nil {
			t.Logf("go fetched %s@%s again after reading its .mod (allowed): %s", f.Path, f.Version, f.Detail)
			continue
		}
		t.Errorf("damage after concurrent prune: %v", f)
	}
	// go completes, and then nothing is left that go rejects.
	fixture.Go(t, fc.Project, fc.Env, append([]string{"mod", "download"}, append(old, fresh...)...)...)
	listAgrees(t, fc.Root)
	if rep := prVerify(t, fc.Root); len(rep.Findings) > 0 {
		t.Errorf("damage once go has run again: %v", rep.Findings)
	}
	fc.Sound(t, fc.Proxy.URL())
	if _, err := os.Stat(filepath.Join(fc.Root, "cache", "download", "example.com", "many", "m00", "@v", "v1.4.0.zip")); err != nil {
		t.Errorf("new version missing: %v", err)
	}
}
