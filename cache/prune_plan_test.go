package cache

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/module"

	"github.com/modcache/modcache/internal/units"
)

// Plans are pure functions of a Cache value, so these tests build caches
// in memory. The execution tests (prune_test.go) use real go-built ones.

var planNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func daysAgo(d float64) time.Time { return planNow.Add(-time.Duration(d * 24 * float64(time.Hour))) }

// hasFor is the set of files a version in state s has.
func hasFor(s State) Has {
	switch s {
	case Complete:
		return HasTree | HasZip | HasZipHash | HasMod | HasInfo | HasLock
	case TreeOnly:
		return HasTree | HasZipHash | HasMod | HasInfo | HasLock
	case ZipOnly:
		return HasZip | HasZipHash | HasMod | HasInfo | HasLock
	case ModOnly:
		return HasMod | HasInfo
	case InfoOnly:
		return HasInfo
	case Partial:
		return HasTree | HasZip | HasZipHash | HasMod | HasInfo | HasPartial | HasLock
	}
	return HasTree | HasZip // Damaged: no .mod
}

// mv makes an in-memory version. Sizes are in KiB for readability.
func mv(path, version string, s State, treeKiB, zipKiB int64, used time.Time) *Version {
	v := &Version{Path: path, Version: version, State: s, Has: hasFor(s), LastUsed: used, Downloaded: used}
	if v.Has&HasTree != 0 {
		v.TreeBytes = treeKiB << 10
	}
	if v.Has&HasZip != 0 {
		v.ZipBytes = zipKiB << 10
	}
	v.MetaBytes = 4 << 10
	return v
}

// memCache assembles versions into a Cache with consistent totals.
func memCache(vs ...*Version) *Cache {
	c := Assemble("/nonexistent", vs)
	c.Atime = AtimeInfo{Available: true}
	return c
}

func allAvailable(string, string) Availability { return Available }

func actionsOf(p *Plan) map[string]Mode {
	m := map[string]Mode{}
	for _, a := range p.Actions {
		m[a.Path+"@"+a.Version] = a.Mode
	}
	return m
}

func keptOf(p *Plan) map[string]string {
	m := map[string]string{}
	for _, k := range p.Kept {
		m[k.Path+"@"+k.Version] = k.Reason
	}
	return m
}

func mustPlan(t *testing.T, c *Cache, p Policy, avail Replaceable) *Plan {
	t.Helper()
	if p.Now.IsZero() {
		p.Now = planNow
	}
	plan, err := PlanPrune(c, p, avail)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func TestPlanNeedsAGoal(t *testing.T) {
	_, err := PlanPrune(memCache(), Policy{KeepLatest: 2}, nil)
	if err == nil || !strings.Contains(err.Error(), "no prune policy") {
		t.Fatalf("err = %v, want a no-policy error", err)
	}
}

func TestPlanTTL(t *testing.T) {
	c := memCache(
		mv("a", "v1.0.0", Complete, 100, 30, daysAgo(90)),
		mv("a", "v1.1.0", Complete, 100, 30, daysAgo(10)),
		mv("b", "v1.0.0", ModOnly, 0, 0, daysAgo(90)),
		mv("b", "v1.1.0", TreeOnly, 100, 0, daysAgo(90)),
	)
	// auto with only a TTL: trees of expired versions, nothing lost.
	plan := mustPlan(t, c, Policy{TTL: 30 * 24 * time.Hour}, allAvailable)
	if got, want := fmt.Sprint(actionsOf(plan)), fmt.Sprint(map[string]Mode{"a@v1.0.0": ModeDir}); got != want {
		t.Errorf("auto TTL actions %v, want %v", got, want)
	}
	if !plan.Met || !strings.Contains(plan.Goal, "30d") {
		t.Errorf("goal %q met=%v", plan.Goal, plan.Met)
	}
	// full: every expired version, whatever its state.
	plan = mustPlan(t, c, Policy{TTL: 30 * 24 * time.Hour, Mode: ModeFull}, allAvailable)
	want := map[string]Mode{"a@v1.0.0": ModeFull, "b@v1.0.0": ModeFull, "b@v1.1.0": ModeFull}
	if got := actionsOf(plan); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("full TTL actions %v, want %v", got, want)
	}
	var sum int64
	for _, a := range plan.Actions {
		sum += a.Bytes
	}
	if sum != plan.Bytes || sum != c.Lookup("a", "v1.0.0").Bytes()+c.Lookup("b", "v1.0.0").Bytes()+c.Lookup("b", "v1.1.0").Bytes() {
		t.Errorf("plan bytes %d, actions %d", plan.Bytes, sum)
	}
}

func TestPlanMaxSizeAutoTakesTreesFirst(t *testing.T) {
	c := memCache(
		mv("a", "v1.0.0", Complete, 100, 30, daysAgo(5)),
		mv("b", "v1.0.0", Complete, 100, 30, daysAgo(4)),
		mv("c", "v1.0.0", Complete, 100, 30, daysAgo(3)),
		mv("d", "v1.0.0", ModOnly, 0, 0, daysAgo(6)),
	)
	total := c.Usage.Total
	// Needing 150 KiB: the two least recently used trees do it.
	plan := mustPlan(t, c, Policy{MaxSize: total - 150<<10}, allAvailable)
	want := map[string]Mode{"a@v1.0.0": ModeDir, "b@v1.0.0": ModeDir}
	if got := actionsOf(plan); fmt.Sprint(got) != fmt.Sprint(want) || !plan.Met {
		t.Errorf("actions %v met=%v, want %v", got, plan.Met, want)
	}
	// Needing more than all trees: full evictions, least recently used
	// first, after every tree.
	plan = mustPlan(t, c, Policy{MaxSize: total - 320<<10}, allAvailable)
	want = map[string]Mode{"a@v1.0.0": ModeFull, "b@v1.0.0": ModeDir, "c@v1.0.0": ModeDir, "d@v1.0.0": ModeFull}
	if got := actionsOf(plan); fmt.Sprint(got) != fmt.Sprint(want) || !plan.Met {
		t.Errorf("actions %v met=%v, want %v", got, plan.Met, want)
	}
	if plan.Actions[0].Path != "d" {
		t.Errorf("actions not in LRU order: %+v", plan.Actions)
	}
	// dir mode never goes further than trees, and says the goal is not met.
	plan = mustPlan(t, c, Policy{MaxSize: total - 320<<10, Mode: ModeDir}, allAvailable)
	if d, f := plan.Count(); d != 3 || f != 0 || plan.Met {
		t.Errorf("dir mode: %d dir, %d full, met=%v", d, f, plan.Met)
	}
}

func TestPlanKeepFreeUsesInjectedDisk(t *testing.T) {
	c := memCache(
		mv("a", "v1.0.0", Complete, 1000, 300, daysAgo(5)),
		mv("b", "v1.0.0", Complete, 1000, 300, daysAgo(4)),
	)
	c.Disk = DiskSpace{Total: 1 << 40, Free: 1 << 39} // the real disk: plenty free
	disk := DiskSpace{Total: 100 << 20, Free: 19<<20 + 500<<10}
	plan := mustPlan(t, c, Policy{KeepFree: units.SizeOrPercent{Percent: 20}, Disk: &disk}, allAvailable)
	// 20% of 100 MiB is 20 MiB; 500 KiB short: one tree.
	if got := actionsOf(plan); fmt.Sprint(got) != fmt.Sprint(map[string]Mode{"a@v1.0.0": ModeDir}) || !plan.Met {
		t.Errorf("actions %v met=%v", got, plan.Met)
	}
	if !strings.Contains(plan.Goal, "20%") {
		t.Errorf("goal %q does not name the percentage", plan.Goal)
	}
	// Without the injection the real disk has room: nothing to do.
	plan = mustPlan(t, c, Policy{KeepFree: units.SizeOrPercent{Percent: 20}}, allAvailable)
	if len(plan.Actions) != 0 || !plan.Met {
		t.Errorf("plenty of space, yet actions %v", actionsOf(plan))
	}
	// Unknown disk: a clear error instead of a guess.
	c.Disk = DiskSpace{}
	if _, err := PlanPrune(c, Policy{KeepFree: units.SizeOrPercent{Bytes: 1}}, nil); err == nil {
		t.Error("keep-free with unknown disk size planned anyway")
	}
}

func TestPlanProtections(t *testing.T) {
	c := memCache(
		mv("a", "v1.0.0", Complete, 100, 30, daysAgo(50)),
		mv("a", "v1.1.0", Complete, 100, 30, daysAgo(50)),
		mv("a", "v1.2.0", Complete, 100, 30, daysAgo(50)),
		mv("a", "v1.3.0-rc.1", Complete, 100, 30, daysAgo(50)), // pre-release: not "latest" before releases
		mv("b", "v1.0.0", Complete, 100, 30, daysAgo(50)),
		mv("corp.example/x", "v1.0.0", Complete, 100, 30, daysAgo(50)),
		mv("c", "v1.0.0", Complete, 100, 30, planNow.Add(-20*time.Minute)),
		mv("c", "v1.1.0", Complete, 100, 30, daysAgo(50)),
		mv("c", "v1.2.0", Complete, 100, 30, daysAgo(50)),
		mv("p", "v1.0.0", Partial, 100, 30, daysAgo(50)),
	)
	c.Lookup("p", "v1.0.0").LockHeld = true
	keep, _ := ParsePatterns([]string{"corp.example"})
	plan := mustPlan(t, c, Policy{
		MaxSize: 1, Mode: ModeFull, KeepLatest: 2, Keep: keep,
		Pinned: map[module.Version]bool{{Path: "b", Version: "v1.0.0"}: true},
	}, allAvailable)
	want := map[string]string{
		"a@v1.1.0": KeptLatest, "a@v1.2.0": KeptLatest,
		"c@v1.1.0": KeptLatest, "c@v1.2.0": KeptLatest,
		"b@v1.0.0":              KeptPinned,
		"corp.example/x@v1.0.0": KeptPattern,
		"c@v1.0.0":              KeptRecent,
		"p@v1.0.0":              KeptBusy,
	}
	if got := keptOf(plan); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("kept %v\nwant %v", got, want)
	}
	if got := actionsOf(plan); fmt.Sprint(got) != fmt.Sprint(map[string]Mode{"a@v1.0.0": ModeFull, "a@v1.3.0-rc.1": ModeFull}) {
		t.Errorf("actions %v", got)
	}
	if plan.Met || len(plan.Notes) == 0 {
		t.Errorf("max-size 1 byte cannot be met with protections; met=%v notes=%v", plan.Met, plan.Notes)
	}
	if got := plan.ByReason(); got[KeptLatest] != 4 || got[KeptRecent] != 1 {
		t.Errorf("ByReason = %v", got)
	}
	if got := plan.KeptSummary(); !strings.Contains(got, "4 latest") || !strings.Contains(got, "1 recent") {
		t.Errorf("KeptSummary = %q", got)
	}
	// The note on the missed goal says which rules kept the rest.
	if note := strings.Join(plan.Notes, "\n"); !strings.Contains(note, "cannot be reached; the rest is kept: ") ||
		!strings.Contains(note, "4 latest (the newest of their module)") || !strings.Contains(note, "1 recent (used within 1h)") {
		t.Errorf("notes %q do not say why the goal was missed", note)
	}
	// A negative grace disables the recent rule.
	plan = mustPlan(t, c, Policy{MaxSize: 1, Mode: ModeFull, Grace: -1}, allAvailable)
	if _, ok := actionsOf(plan)["c@v1.0.0"]; !ok {
		t.Errorf("grace < 0 still kept the recent version: %v", keptOf(plan))
	}
}

func TestPlanIrreplaceable(t *testing.T) {
	c := memCache(
		mv("public", "v1.0.0", Complete, 100, 30, daysAgo(50)),
		mv("gone", "v1.0.0", Complete, 100, 30, daysAgo(50)),
		mv("corp.example/x", "v1.0.0", ModOnly, 0, 0, daysAgo(50)),
		mv("offline", "v1.0.0", Complete, 100, 30, daysAgo(50)),
	)
	avail := func(path, version string) Availability {
		switch path {
		case "gone":
			return Missing
		case "corp.example/x":
			return Private
		case "offline":
			return Unreachable
		}
		return Available
	}
	plan := mustPlan(t, c, Policy{TTL: 24 * time.Hour, Mode: ModeFull}, avail)
	// Replaceable ones go whole; the others lose only their trees, which
	// loses nothing.
	want := map[string]Mode{"public@v1.0.0": ModeFull, "gone@v1.0.0": ModeDir, "offline@v1.0.0": ModeDir}
	if got := actionsOf(plan); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("actions %v, want %v", got, want)
	}
	wantKept := map[string]string{"gone@v1.0.0": KeptIrreplaceable, "corp.example/x@v1.0.0": KeptIrreplaceable, "offline@v1.0.0": KeptUnverified}
	if got := keptOf(plan); fmt.Sprint(got) != fmt.Sprint(wantKept) {
		t.Errorf("kept %v, want %v", got, wantKept)
	}
	if plan.Met {
		t.Error("refusals should leave the TTL goal unmet")
	}
	notes := strings.Join(plan.Notes, "\n")
	if !strings.Contains(notes, "could not be checked with any remote") || !strings.Contains(notes, "--force") {
		t.Errorf("notes do not explain the refusals:\n%s", notes)
	}
	// nil avail: nothing is known, so nothing goes whole.
	plan = mustPlan(t, c, Policy{TTL: 24 * time.Hour, Mode: ModeFull}, nil)
	if _, full := plan.Count(); full != 0 {
		t.Errorf("no availability answers, yet %d full evictions", full)
	}
	// Force evicts them all, marked as such.
	plan = mustPlan(t, c, Policy{TTL: 24 * time.Hour, Mode: ModeFull, Force: true}, avail)
	if _, full := plan.Count(); full != 4 {
		t.Errorf("force: %d full evictions, want 4", full)
	}
	for _, a := range plan.Actions {
		if a.Irreplaceable != (a.Path != "public") {
			t.Errorf("%s: Irreplaceable=%v", a.Path, a.Irreplaceable)
		}
	}
}

func TestPlanStraysAndVCS(t *testing.T) {
	c := memCache(mv("a", "v1.0.0", Complete, 100, 30, daysAgo(1)))
	c.Strays = []Stray{{Path: "cache/download/a/@v/v1.0.0.zip123.tmp", Kind: "tmp", Bytes: 8192}}
	c.VCS = []VCSRepo{
		{Dir: "cache/vcs/old", Bytes: 1 << 20, Created: daysAgo(100), LastUsed: daysAgo(60)},
		{Dir: "cache/vcs/new", Bytes: 1 << 20, Created: daysAgo(100), LastUsed: daysAgo(2)},
	}
	plan := mustPlan(t, c, Policy{TTL: 30 * 24 * time.Hour}, allAvailable)
	if len(plan.Strays) != 1 || len(plan.VCS) != 1 || plan.VCS[0].Dir != "cache/vcs/old" {
		t.Errorf("strays %v vcs %v", plan.Strays, plan.VCS)
	}
	if plan.Bytes != 8192+1<<20 {
		t.Errorf("plan bytes %d", plan.Bytes)
	}
	// Without a TTL clones stay, strays still go.
	plan = mustPlan(t, c, Policy{MaxSize: 1 << 40}, allAvailable)
	if len(plan.Strays) != 1 || len(plan.VCS) != 0 {
		t.Errorf("max-size only: strays %v vcs %v", plan.Strays, plan.VCS)
	}
}

func TestPlanEvictMarks(t *testing.T) {
	c := memCache(
		mv("a", "v1.0.0", Complete, 100, 30, daysAgo(50)),
		mv("a", "v1.1.0", TreeOnly, 100, 0, daysAgo(50)),
		mv("b", "v1.0.0", Complete, 100, 30, planNow.Add(-time.Minute)),
		mv("corp.example/x", "v1.0.0", Complete, 100, 30, daysAgo(50)),
	)
	sel := []module.Version{
		{Path: "a", Version: "v1.0.0"}, {Path: "a", Version: "v1.1.0"},
		{Path: "b", Version: "v1.0.0"}, {Path: "corp.example/x", Version: "v1.0.0"},
		{Path: "nope", Version: "v1.0.0"},
	}
	avail := func(path, _ string) Availability {
		if strings.HasPrefix(path, "corp.example") {
			return Private
		}
		return Available
	}
	pins := map[module.Version]bool{{Path: "a", Version: "v1.0.0"}: true}
	plan := PlanEvict(c, sel, Policy{Mode: ModeAuto, Now: planNow, Pinned: pins}, avail)
	want := map[string]Mode{"a@v1.0.0": ModeDir, "a@v1.1.0": ModeFull, "corp.example/x@v1.0.0": ModeDir}
	if got := actionsOf(plan); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("auto marks: %v, want %v", got, want)
	}
	if got := keptOf(plan); got["b@v1.0.0"] != KeptRecent {
		t.Errorf("recently used mark not kept: %v", got)
	}
	for _, a := range plan.Actions {
		if a.Path == "a" && a.Version == "v1.0.0" && !strings.Contains(a.Reason, "pinned") {
			t.Errorf("pinned mark's reason %q does not say so", a.Reason)
		}
	}
	if !strings.Contains(strings.Join(plan.Notes, "\n"), "nope@v1.0.0 is not in the cache") {
		t.Errorf("notes %v", plan.Notes)
	}
	// full: the private one is refused (the TUI asks again, with force).
	plan = PlanEvict(c, sel, Policy{Mode: ModeFull, Now: planNow}, avail)
	if got := keptOf(plan)["corp.example/x@v1.0.0"]; got != KeptIrreplaceable {
		t.Errorf("private full eviction kept as %q", got)
	}
	plan = PlanEvict(c, sel, Policy{Mode: ModeFull, Now: planNow, Force: true}, avail)
	if got := actionsOf(plan)["corp.example/x@v1.0.0"]; got != ModeFull {
		t.Errorf("forced private eviction: %v", got)
	}
	// dir: the tree-only version has no zip to fall back on.
	plan = PlanEvict(c, sel, Policy{Mode: ModeDir, Now: planNow}, avail)
	if got := keptOf(plan)["a@v1.1.0"]; got != KeptNoDir {
		t.Errorf("tree-only dir eviction kept as %q", got)
	}
}

func TestPlanPruneRemoteAsksOnlyWhatItNeeds(t *testing.T) {
	var vs []*Version
	for i := range 20 {
		vs = append(vs, mv(fmt.Sprintf("m%02d", i), "v1.0.0", Complete, 100, 30, daysAgo(float64(100-i))))
	}
	c := memCache(vs...)
	var mu sync.Mutex
	asked := map[string]int{}
	guarded := func(_ context.Context, path string, _ []string) ModuleAvailability {
		mu.Lock() // called from several goroutines
		asked[path]++
		mu.Unlock()
		if path == "m00" {
			return ModuleAvailability{Err: errors.New("proxy down")}
		}
		return ModuleAvailability{Versions: []string{"v1.0.0"}}
	}
	// Trees are enough: nobody is asked.
	p := Policy{MaxSize: c.Usage.Total - 500<<10, Now: planNow}
	plan, err := PlanPruneRemote(context.Background(), c, p, guarded)
	if err != nil || len(asked) != 0 || !plan.Met {
		t.Fatalf("dir-only plan asked %v (err %v, met %v)", asked, err, plan.Met)
	}
	// Needing 3 full evictions: m00 is unreachable, so m01..m03 go.
	p.MaxSize = c.Usage.Total - (20*100+3*34)<<10
	plan, err = PlanPruneRemote(context.Background(), c, p, guarded)
	if err != nil {
		t.Fatal(err)
	}
	_, full := plan.Count()
	if full != 3 || keptOf(plan)["m00@v1.0.0"] != KeptUnverified || !plan.Met {
		t.Errorf("full %d, kept %v, met %v", full, keptOf(plan), plan.Met)
	}
	if len(asked) > 6 {
		t.Errorf("asked about %d modules, want only the few the plan needed: %v", len(asked), asked)
	}
	for path, n := range asked {
		if n != 1 {
			t.Errorf("asked about %s %d times", path, n)
		}
	}
}

// TestPlanProperties checks the rules on random caches and policies:
// protected versions are never evicted, full evictions only of versions
// a remote serves (or with force), dir evictions only where a zip stays,
// auto takes every possible tree before any full eviction, LRU order
// holds, bytes add up, and the goal is met whenever the evictable bytes
// suffice.
func TestPlanProperties(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 7))
	states := []State{Complete, Complete, Complete, TreeOnly, ZipOnly, ModOnly, InfoOnly, Partial, Damaged}
	for iter := range 2000 {
		var vs []*Version
		pins := map[module.Version]bool{}
		avail := map[string]Availability{}
		for m := range 1 + rng.IntN(8) {
			path := fmt.Sprintf("example.com/m%d", m)
			if rng.IntN(5) == 0 {
				path = fmt.Sprintf("corp.example/m%d", m)
			}
			for i := range 1 + rng.IntN(6) {
				version := fmt.Sprintf("v1.%d.0", i)
				if rng.IntN(4) == 0 {
					version += "-rc.1"
				}
				if rng.IntN(6) == 0 && i > 0 {
					continue
				}
				v := mv(path, version, states[rng.IntN(len(states))], int64(rng.IntN(500)), int64(rng.IntN(200)), daysAgo(rng.Float64()*100))
				if rng.IntN(20) == 0 {
					v.LastUsed = planNow.Add(-time.Duration(rng.IntN(120)) * time.Minute)
				}
				if v.State == Partial {
					v.LockHeld = rng.IntN(2) == 0
				}
				if rng.IntN(8) == 0 {
					pins[module.Version{Path: path, Version: version}] = true
				}
				avail[path+"@"+version] = Availability(rng.IntN(4))
				if rng.IntN(2) == 0 {
					avail[path+"@"+version] = Available
				}
				vs = append(vs, v)
			}
		}
		c := memCache(vs...)
		c.Disk = DiskSpace{Total: c.Usage.Total * 4, Free: int64(rng.IntN(int(c.Usage.Total + 1)))}
		p := Policy{
			Now: planNow, Mode: Mode(rng.IntN(3)), KeepLatest: rng.IntN(3), Pinned: pins,
			Force: rng.IntN(4) == 0, Grace: time.Duration(rng.IntN(3)) * 30 * time.Minute,
		}
		if rng.IntN(3) == 0 {
			p.Keep = []Pattern{{Path: "corp.example"}}
		}
		switch rng.IntN(4) {
		case 0:
			p.TTL = time.Duration(1+rng.IntN(90)) * 24 * time.Hour
		case 1:
			p.MaxSize = 1 + int64(rng.IntN(int(c.Usage.Total+1)))
		case 2:
			p.KeepFree = units.SizeOrPercent{Bytes: int64(rng.IntN(int(c.Usage.Total*2 + 1)))}
		case 3:
			p.TTL = time.Duration(1+rng.IntN(90)) * 24 * time.Hour
			p.MaxSize = 1 + int64(rng.IntN(int(c.Usage.Total+1)))
		}
		replaceable := func(path, version string) Availability { return avail[path+"@"+version] }
		plan, err := PlanPrune(c, p, replaceable)
		if err != nil {
			t.Fatal(err)
		}
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("seed %d iteration %d, policy %s: %s", seed, iter, p, fmt.Sprintf(format, args...))
		}
		checkPlanInvariants(c, p, plan, replaceable, fail)
	}
}

func checkPlanInvariants(c *Cache, p Policy, plan *Plan, avail Replaceable, fail func(string, ...any)) {
	grace := p.grace()
	protected := func(v *Version) bool {
		if v.State == Partial || matchesAny(p.Keep, v) || p.Pinned[module.Version{Path: v.Path, Version: v.Version}] {
			return true
		}
		if !v.Used().IsZero() && p.Now.Sub(v.Used()) < grace {
			return true
		}
		if p.KeepLatest > 0 {
			m := c.Find(v.Path)
			var newer int
			for _, o := range m.Versions {
				if o.State != InfoOnly && better(o.Version, v.Version) {
					newer++
				}
			}
			if v.State != InfoOnly && newer < p.KeepLatest {
				return true
			}
		}
		return false
	}
	acted := map[*Version]Action{}
	var sum int64
	for _, a := range plan.Actions {
		v := c.Lookup(a.Path, a.Version)
		if v == nil {
			fail("action on unknown version %s@%s", a.Path, a.Version)
		}
		if _, dup := acted[v]; dup {
			fail("%s@%s evicted twice", a.Path, a.Version)
		}
		acted[v] = a
		sum += a.Bytes
		if protected(v) {
			fail("evicted protected version %s@%s (state %v, used %v)", a.Path, a.Version, v.State, v.Used())
		}
		switch a.Mode {
		case ModeDir:
			if !dirEvictable(v) || a.Bytes != v.TreeBytes {
				fail("dir eviction of %s@%s in state %v", a.Path, a.Version, v.State)
			}
			if p.Mode == ModeFull && avail(v.Path, v.Version) == Available {
				fail("full mode evicted only the tree of replaceable %s@%s", a.Path, a.Version)
			}
		case ModeFull:
			if p.Mode == ModeDir {
				fail("full eviction in dir mode")
			}
			ok := avail(v.Path, v.Version) == Available
			if !ok && !p.Force {
				fail("full eviction of irreplaceable %s@%s without force", a.Path, a.Version)
			}
			if a.Irreplaceable == ok {
				fail("%s@%s Irreplaceable=%v, availability %v", a.Path, a.Version, a.Irreplaceable, avail(v.Path, v.Version))
			}
			if a.Bytes != v.Bytes() {
				fail("full eviction bytes %d, version has %d", a.Bytes, v.Bytes())
			}
		default:
			fail("action mode %v", a.Mode)
		}
	}
	for _, s := range plan.Strays {
		sum += s.Bytes
	}
	if sum != plan.Bytes {
		fail("plan bytes %d, actions and strays add to %d", plan.Bytes, sum)
	}
	// What could be freed at most, and whether auto took trees first.
	var maxFree int64
	for _, s := range plan.Strays {
		maxFree += s.Bytes
	}
	anyFull := false
	for _, a := range plan.Actions {
		anyFull = anyFull || a.Mode == ModeFull
	}
	for _, m := range c.Modules {
		for _, v := range m.Versions {
			if protected(v) {
				continue
			}
			canFull := p.Mode != ModeDir && (p.Force || avail(v.Path, v.Version) == Available)
			switch {
			case canFull:
				maxFree += v.Bytes()
			case dirEvictable(v):
				maxFree += v.TreeBytes
			}
			if p.Mode == ModeAuto && anyFull && p.TTL == 0 && dirEvictable(v) {
				if _, ok := acted[v]; !ok {
					fail("auto mode evicted whole versions while the tree of %s@%s stayed", v.Path, v.Version)
				}
			}
		}
	}
	if p.TTL == 0 {
		need := int64(-1 << 62)
		if p.MaxSize > 0 {
			need = c.Usage.Total - p.MaxSize
		}
		if p.KeepFree.Bytes > 0 {
			need = max(need, p.KeepFree.Bytes-c.Disk.Free)
		}
		if plan.Met != (plan.Bytes >= need) {
			fail("met=%v but frees %d of %d needed", plan.Met, plan.Bytes, need)
		}
		if maxFree >= need && !plan.Met {
			fail("goal not met: needs %d, %d evictable, plan frees %d", need, maxFree, plan.Bytes)
		}
		// No more than needed: undoing the last eviction (the most recently
		// used one of the last pass) would miss the goal.
		var last *Action
		for i := range plan.Actions {
			a := &plan.Actions[i]
			if p.Mode == ModeAuto && anyFull && a.Mode != ModeFull {
				continue
			}
			if last == nil || lruLess(c.Lookup(last.Path, last.Version), c.Lookup(a.Path, a.Version)) {
				last = a
			}
		}
		if last != nil {
			undo := last.Bytes
			if v := c.Lookup(last.Path, last.Version); p.Mode == ModeAuto && last.Mode == ModeFull && dirEvictable(v) {
				undo -= v.TreeBytes
			}
			if plan.Bytes-undo >= need {
				fail("evicts more than needed: %d without %s@%s already meets %d", plan.Bytes-undo, last.Path, last.Version, need)
			}
		}
		// LRU: in dir mode, no tree stays that is older than one evicted.
		if p.Mode == ModeDir {
			var newestEvicted time.Time
			for v := range acted {
				if v.Used().After(newestEvicted) {
					newestEvicted = v.Used()
				}
			}
			for _, m := range c.Modules {
				for _, v := range m.Versions {
					if _, ok := acted[v]; !ok && !protected(v) && dirEvictable(v) && v.Used().Before(newestEvicted) {
						fail("LRU violated: %s@%s (used %v) kept while a tree used %v was evicted", v.Path, v.Version, v.Used(), newestEvicted)
					}
				}
			}
		}
	} else {
		cutoff := p.Now.Add(-p.TTL)
		for _, m := range c.Modules {
			for _, v := range m.Versions {
				if protected(v) || !v.Used().Before(cutoff) {
					continue
				}
				a, ok := acted[v]
				switch {
				case p.Mode == ModeFull && (p.Force || avail(v.Path, v.Version) == Available):
					if !ok || a.Mode != ModeFull {
						fail("expired %s@%s not fully evicted", v.Path, v.Version)
					}
				case dirEvictable(v):
					if !ok {
						fail("expired %s@%s kept its tree", v.Path, v.Version)
					}
				}
			}
		}
	}
}

// TestDropTreeKeepsInfoProblem: a dir eviction reclassifies the version
// from its files; a malformed .info still makes it Damaged.
func TestDropTreeKeepsInfoProblem(t *testing.T) {
	all := HasTree | HasZip | HasZipHash | HasMod | HasInfo
	v := &Version{Path: "example.com/m", Version: "v1.0.0", Has: all, InfoProblem: ".info does not parse"}
	v.State, v.Problem = classify(v.Has, v.InfoProblem, false)
	c := &Cache{}
	c.dropTree(v)
	if v.State != Damaged || v.Problem != ".info does not parse" {
		t.Errorf("after a dir eviction: %v %q, want Damaged by its .info", v.State, v.Problem)
	}
}

// TestOrDefaultGoal: with no goal, the one-key prune takes trees unused
// for 30 days, and its note says what the mode in use will remove.
func TestOrDefaultGoal(t *testing.T) {
	p, notes := Policy{KeepLatest: 2}.OrDefaultGoal()
	if p.TTL != 30*24*time.Hour || p.Mode != ModeDir || p.KeepLatest != 2 || len(notes) != 1 || !strings.Contains(notes[0], "trees unused for 30 days (lossless)") {
		t.Errorf("auto: %+v %q", p, notes)
	}
	p, notes = Policy{Mode: ModeFull}.OrDefaultGoal()
	if p.Mode != ModeFull || len(notes) != 1 || strings.Contains(notes[0], "lossless") || !strings.Contains(notes[0], "whole versions") {
		t.Errorf("full: %+v %q", p, notes)
	}
	if p, notes := (Policy{MaxSize: 1 << 30}).OrDefaultGoal(); p.TTL != 0 || notes != nil {
		t.Errorf("a goal of its own: %+v %q", p, notes)
	}
}
