package cache

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/modcache/modcache/internal/units"
)

// Action is one planned eviction.
type Action struct {
	Path    string    `json:"path"`
	Version string    `json:"version"`
	Mode    Mode      `json:"mode"`  // ModeDir or ModeFull
	Bytes   int64     `json:"bytes"` // what it frees, in blocks as the scan measured
	Used    time.Time `json:"used"`  // last use (or download) the LRU order went by
	Reason  string    `json:"reason"`
	// Irreplaceable marks a full eviction of a version no remote is known
	// to serve again, planned only because Force was set.
	Irreplaceable bool `json:"irreplaceable,omitempty"`
	// seen is what the scan the plan came from found of the version, so
	// that the eviction can tell whether go has been at it since.
	seen Has
}

// Kept is a version a rule protected from an eviction.
type Kept struct {
	Path    string `json:"path"`
	Version string `json:"version"`
	Bytes   int64  `json:"bytes"` // what stays on disk for it
	Reason  string `json:"reason"`
}

// Reasons a version is kept.
const (
	KeptPattern       = "pattern"       // matches a keep pattern
	KeptPinned        = "pinned"        // a project's go.sum or build list names it
	KeptLatest        = "latest"        // among the newest keep-latest of its module
	KeptRecent        = "recent"        // used within the grace period
	KeptBusy          = "busy"          // a go command is extracting it right now
	KeptIrreplaceable = "irreplaceable" // private, or no remote has it: not fully evicted without force
	KeptUnverified    = "unverified"    // no remote reachable to check: not fully evicted without force
	KeptNoDir         = "no-zip"        // a dir eviction was asked for, but there is no zip to re-extract from
	KeptNoTree        = "no-tree"       // a dir eviction was asked for, but there is no extracted tree to drop
)

// Plan is what a prune would do: a value to print, preview and test,
// which a Pruner then executes.
type Plan struct {
	Policy  string    `json:"policy"`
	Actions []Action  `json:"actions"` // in execution order: least recently used first
	Kept    []Kept    `json:"kept"`
	Strays  []Stray   `json:"strays"` // leftovers of interrupted go commands
	VCS     []VCSRepo `json:"vcs"`    // clones unused for longer than the TTL
	Bytes   int64     `json:"bytes"`  // everything the plan frees
	Goal    string    `json:"goal"`   // "" for explicit evictions
	Met     bool      `json:"met"`    // whether executing the plan reaches the goal
	Notes   []string  `json:"notes"`
}

// Count returns the number of dir and full evictions.
func (p *Plan) Count() (dir, full int) {
	for _, a := range p.Actions {
		if a.Mode == ModeFull {
			full++
		} else {
			dir++
		}
	}
	return dir, full
}

// ByReason counts the kept versions by reason.
func (p *Plan) ByReason() map[string]int {
	m := map[string]int{}
	for _, k := range p.Kept {
		m[k.Reason]++
	}
	return m
}

// Summary says what the plan removes, the same in the CLI and the TUI:
// "12 trees (dir), 3 whole versions (full), 1 leftover".
func (p *Plan) Summary() string {
	return removals(p.Actions, len(p.Strays), len(p.VCS), " (dir)", " (full)")
}

// Items is how many things the plan removes: versions, leftovers and VCS
// clones. Zero means there is nothing to run.
func (p *Plan) Items() int { return len(p.Actions) + len(p.Strays) + len(p.VCS) }

// KeptSummary counts the kept versions by reason in one line, the same in
// the CLI and the TUI: "2 irreplaceable, 3 latest".
func (p *Plan) KeptSummary() string { return p.keptLine(nil) }

// keptLine counts the kept versions by reason, each followed by why[reason]
// in parentheses when there is one.
func (p *Plan) keptLine(why map[string]string) string {
	by := p.ByReason()
	var parts []string
	for _, r := range slices.Sorted(maps.Keys(by)) {
		part := fmt.Sprintf("%d %s", by[r], r)
		if w := why[r]; w != "" {
			part += " (" + w + ")"
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, ", ")
}

// keptWhy is KeptSummary with the rule behind each reason, for the note
// that says why a goal was missed: "259 recent (used within 1h)".
func keptWhy(p *Plan, grace time.Duration) string {
	return p.keptLine(map[string]string{
		KeptRecent:  "used within " + units.Duration(grace),
		KeptLatest:  "the newest of their module",
		KeptPinned:  "a project needs them",
		KeptPattern: "matching a keep pattern",
		KeptBusy:    "a go command holds them",
	})
}

// Largest returns up to n actions, biggest first.
func (p *Plan) Largest(n int) []Action {
	out := append([]Action(nil), p.Actions...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Bytes > out[j].Bytes })
	return out[:min(n, len(out))]
}

// tier is how much of a version the plan removes.
type tier uint8

const (
	tierNone tier = iota
	tierDir
	tierFull
)

// cand is a version the policy may evict.
type cand struct {
	v      *Version
	tier   tier
	reason string
	irrepl bool
	kept   string // why a wanted full eviction was refused
}

// dirEvictable: removing the tree leaves go a zip to extract offline
// and the .mod a build needs. A tree without zip (TreeOnly) cannot drop
// its tree without losing the version.
func dirEvictable(v *Version) bool {
	return v.Has&HasTree != 0 && v.Has&HasZip != 0 && v.Has&HasMod != 0 && v.Has&HasPartial == 0
}

func (c *cand) bytes() int64 {
	switch c.tier {
	case tierDir:
		return c.v.TreeBytes
	case tierFull:
		return c.v.Bytes()
	}
	return 0
}

type planner struct {
	c     *Cache
	p     Policy
	avail Replaceable
	now   time.Time
	plan  *Plan
	cands []*cand // least recently used first
	kept  map[*Version]bool
}

func newPlanner(c *Cache, p Policy, avail Replaceable) *planner {
	if avail == nil {
		avail = func(string, string) Availability { return Unreachable }
	}
	return &planner{c: c, p: p, avail: avail, now: p.now(), plan: &Plan{Policy: p.String()}, kept: map[*Version]bool{}}
}

func (pl *planner) keep(v *Version, bytes int64, reason string) {
	if pl.kept[v] {
		return
	}
	pl.kept[v] = true
	pl.plan.Kept = append(pl.plan.Kept, Kept{Path: v.Path, Version: v.Version, Bytes: bytes, Reason: reason})
}

// recent reports whether v was used within the grace period.
func (pl *planner) recent(v *Version) bool {
	u := v.Used()
	return !u.IsZero() && pl.now.Sub(u) < pl.p.grace()
}

// full decides whether c may be fully evicted, recording a refusal.
func (pl *planner) full(c *cand) bool {
	a := pl.avail(c.v.Path, c.v.Version)
	if a == Available {
		return true
	}
	if pl.p.Force {
		c.irrepl = true
		return true
	}
	c.kept = KeptIrreplaceable
	if a == Unreachable {
		c.kept = KeptUnverified
	}
	return false
}

// PlanPrune plans a prune of c under policy p. avail answers whether a
// version could be fetched again; nil means no remote is known, so no
// full eviction happens without Force. See PlanPruneRemote for asking the
// remotes only about the modules the plan needs.
func PlanPrune(c *Cache, p Policy, avail Replaceable) (*Plan, error) {
	if !p.HasGoal() {
		return nil, errors.New("no prune policy: set a TTL, a maximum size or a free-space goal (flags --ttl, --max-size, --keep-free, or [prune] in the config)")
	}
	pl := newPlanner(c, p, avail)
	pl.candidates()
	pl.strays()
	cutoff := pl.now.Add(-p.TTL)
	met := true
	if p.TTL > 0 {
		pl.vcs(cutoff)
		pl.ttl(cutoff)
		met = pl.ttlMet(cutoff)
	}
	if p.MaxSize > 0 || !p.KeepFree.IsZero() {
		need, goal, err := pl.sizeGoal()
		if err != nil {
			return nil, err
		}
		pl.plan.Goal = goal
		met = pl.evictFor(need) && met
	}
	if p.TTL > 0 {
		ttlGoal := "versions unused for " + units.Duration(p.TTL)
		if pl.plan.Goal == "" {
			pl.plan.Goal = ttlGoal
		} else {
			pl.plan.Goal = ttlGoal + "; " + pl.plan.Goal
		}
	}
	pl.plan.Met = met
	pl.finish()
	return pl.plan, nil
}

// candidates sorts the versions no rule protects into LRU order, and
// records the protected ones as kept.
func (pl *planner) candidates() {
	for _, m := range pl.c.Modules {
		latest := pl.latest(m)
		for _, v := range m.Versions {
			switch {
			case v.State == Partial && v.LockHeld:
				pl.keep(v, v.Bytes(), KeptBusy)
			case v.State == Partial:
				// An orphan .partial: cleaned as a stray, which keeps
				// the zip.
			case matchesAny(pl.p.Keep, v):
				pl.keep(v, v.Bytes(), KeptPattern)
			case pl.p.Pinned[module.Version{Path: v.Path, Version: v.Version}]:
				pl.keep(v, v.Bytes(), KeptPinned)
			case latest[v]:
				pl.keep(v, v.Bytes(), KeptLatest)
			case pl.recent(v):
				pl.keep(v, v.Bytes(), KeptRecent)
			default:
				pl.cands = append(pl.cands, &cand{v: v})
			}
		}
	}
	sort.SliceStable(pl.cands, func(i, j int) bool { return lruLess(pl.cands[i].v, pl.cands[j].v) })
}

func matchesAny(ps []Pattern, v *Version) bool {
	return len(ps) > 0 && MatchAny(ps, v.Path, v.Version)
}

// lruLess orders by last use, oldest first; ties by path and version so
// plans are reproducible.
func lruLess(a, b *Version) bool {
	ua, ub := a.Used(), b.Used()
	if !ua.Equal(ub) {
		return ua.Before(ub)
	}
	if a.Path != b.Path {
		return a.Path < b.Path
	}
	return semver.Compare(a.Version, b.Version) < 0
}

// latest returns the newest KeepLatest versions of m, releases before
// pre-releases as go's @latest prefers. Versions with only an .info are
// not really in the cache, so they do not count.
func (pl *planner) latest(m *Module) map[*Version]bool {
	if pl.p.KeepLatest <= 0 {
		return nil
	}
	var vs []*Version
	for _, v := range m.Versions {
		if v.State != InfoOnly {
			vs = append(vs, v)
		}
	}
	sort.Slice(vs, func(i, j int) bool { return better(vs[i].Version, vs[j].Version) })
	out := map[*Version]bool{}
	for _, v := range vs[:min(pl.p.KeepLatest, len(vs))] {
		out[v] = true
	}
	return out
}

func (pl *planner) strays() {
	pl.plan.Strays = append(pl.plan.Strays, pl.c.Strays...)
}

func (pl *planner) vcs(cutoff time.Time) {
	for _, r := range pl.c.VCS {
		if r.Created.IsZero() {
			continue // no clone directory, only its .lock
		}
		used := r.LastUsed
		if used.IsZero() {
			used = r.Created
		}
		if used.Before(cutoff) && pl.now.Sub(used) >= pl.p.grace() {
			pl.plan.VCS = append(pl.plan.VCS, r)
		}
	}
}

// ttl evicts the versions unused since cutoff: their trees in dir and
// auto mode, everything in full mode (falling back to the tree when a
// version cannot be fetched again).
func (pl *planner) ttl(cutoff time.Time) {
	for _, c := range pl.cands {
		if !c.v.Used().Before(cutoff) {
			continue
		}
		reason := "unused for " + units.Age(c.v.Used(), pl.now)
		if c.v.Used().IsZero() {
			reason = "never used"
		}
		switch {
		case pl.p.Mode == ModeFull && pl.full(c):
			c.tier, c.reason = tierFull, reason
		case dirEvictable(c.v):
			c.tier, c.reason = tierDir, reason
		}
	}
}

// ttlMet reports whether every expired candidate got what the mode asks.
func (pl *planner) ttlMet(cutoff time.Time) bool {
	for _, c := range pl.cands {
		if c.v.Used().Before(cutoff) && c.kept != "" {
			return false
		}
	}
	return true
}

// sizeGoal returns how many bytes the size goals still need freed, after
// strays and what the TTL already frees, and describes the goal.
func (pl *planner) sizeGoal() (need int64, goal string, err error) {
	total := pl.c.Usage.Total
	var goals []string
	if pl.p.MaxSize > 0 {
		need = total - pl.p.MaxSize
		goals = append(goals, fmt.Sprintf("cache size <= %s (now %s)", units.Bytes(pl.p.MaxSize), units.Bytes(total)))
	}
	if !pl.p.KeepFree.IsZero() {
		disk := pl.c.Disk
		if pl.p.Disk != nil {
			disk = *pl.p.Disk
		}
		if disk.Total <= 0 {
			return 0, "", errors.New("free space on the cache's filesystem is unknown here, so a free-space goal cannot be planned; use a maximum size instead")
		}
		want := pl.p.KeepFree.Of(disk.Total)
		need = max(need, want-disk.Free)
		g := fmt.Sprintf("free space >= %s (now %s)", units.Bytes(want), units.Bytes(disk.Free))
		if pl.p.KeepFree.Percent > 0 {
			g = fmt.Sprintf("free space >= %s (%s; now %s)", pl.p.KeepFree, units.Bytes(want), units.Bytes(disk.Free))
		}
		goals = append(goals, g)
	}
	for _, s := range pl.plan.Strays {
		need -= s.Bytes
	}
	for _, r := range pl.plan.VCS {
		need -= r.Bytes
	}
	for _, c := range pl.cands {
		need -= c.bytes()
	}
	return need, strings.Join(goals, " and "), nil
}

// evictFor frees need more bytes: in dir and auto mode the least recently
// used trees first; in full and auto mode (when trees were not enough)
// whole versions, least recently used first. It reports whether it met
// the need.
func (pl *planner) evictFor(need int64) bool {
	if need <= 0 {
		return true
	}
	if pl.p.Mode != ModeFull {
		for _, c := range pl.cands {
			if need <= 0 {
				break
			}
			if c.tier == tierNone && dirEvictable(c.v) {
				c.tier, c.reason = tierDir, "least recently used"
				need -= c.bytes()
			}
		}
	}
	if pl.p.Mode == ModeDir {
		return need <= 0
	}
	for _, c := range pl.cands {
		if need <= 0 {
			break
		}
		if c.tier == tierFull || c.kept != "" {
			continue
		}
		before := c.bytes()
		switch {
		case pl.full(c):
			c.tier = tierFull
		case c.tier == tierNone && dirEvictable(c.v):
			// Full refused: the tree still goes, losing nothing.
			c.tier = tierDir
		}
		if c.reason == "" || c.tier == tierFull {
			c.reason = "least recently used"
		}
		need -= c.bytes() - before
	}
	return need <= 0
}

// finish turns the candidates into actions and notes.
func (pl *planner) finish() {
	plan := pl.plan
	defer plan.nonNil()
	var unverified, irreplaceable, forced int
	var unverifiedBytes int64
	for _, c := range pl.cands {
		if c.tier != tierNone {
			mode := ModeDir
			if c.tier == tierFull {
				mode = ModeFull
			}
			plan.Actions = append(plan.Actions, Action{
				Path: c.v.Path, Version: c.v.Version, Mode: mode, Bytes: c.bytes(),
				Used: c.v.Used(), Reason: c.reason, Irreplaceable: c.irrepl, seen: c.v.Has,
			})
			plan.Bytes += c.bytes()
			if c.irrepl {
				forced++
			}
		}
		if c.kept != "" {
			pl.keep(c.v, c.v.Bytes()-c.bytes(), c.kept)
			if c.kept == KeptUnverified {
				unverified++
				unverifiedBytes += c.v.Bytes() - c.bytes()
			} else {
				irreplaceable++
			}
		}
	}
	for _, s := range plan.Strays {
		plan.Bytes += s.Bytes
	}
	for _, r := range plan.VCS {
		plan.Bytes += r.Bytes
	}
	if unverified > 0 {
		plan.Notes = append(plan.Notes, fmt.Sprintf(
			"%s could not be checked with any remote (unreachable, or answering with an error), so not fully evicted (%s kept); dir evictions still apply. --force (or ! when evicting marked versions in the TUI) evicts them anyway.",
			units.Count(unverified, "version"), units.Bytes(unverifiedBytes)))
	}
	if irreplaceable > 0 {
		plan.Notes = append(plan.Notes, fmt.Sprintf(
			"%s: private or served by no remote, so not fully evicted; --force (or ! when evicting marked versions in the TUI) evicts them anyway.", units.Count(irreplaceable, "version")))
	}
	if forced > 0 {
		plan.Notes = append(plan.Notes, fmt.Sprintf(
			"forced: %s no remote is known to serve will be fully evicted and may be lost for good.", units.Count(forced, "version")))
	}
	if !plan.Met && plan.Goal != "" {
		switch why := keptWhy(plan, pl.p.grace()); {
		case why != "":
			plan.Notes = append(plan.Notes, "the goal cannot be reached; the rest is kept: "+why)
		case pl.p.Mode == ModeDir:
			plan.Notes = append(plan.Notes, "the goal cannot be reached by dropping extracted trees alone: the zips stay (the full mode removes them too)")
		default:
			plan.Notes = append(plan.Notes, "the goal cannot be reached: what prune never removes (the checksum database, unknown files) is more than the goal allows")
		}
	}
	if !pl.c.Atime.Available && pl.c.Atime.Reason != "" {
		plan.Notes = append(plan.Notes, "last use is unknown ("+pl.c.Atime.Reason+"): least recently used means least recently downloaded")
	}
	sort.SliceStable(plan.Kept, func(i, j int) bool {
		if plan.Kept[i].Reason != plan.Kept[j].Reason {
			return plan.Kept[i].Reason < plan.Kept[j].Reason
		}
		return plan.Kept[i].Path < plan.Kept[j].Path
	})
}

// PlanEvict plans the eviction of versions chosen by hand (the TUI's
// marks). A mark overrides pins, keep patterns and keep-latest, and the
// action says so; it does not override the grace period (a build may be
// reading the tree) or, without p.Force, the protection of versions no
// remote is known to serve. p.Mode picks the tier: auto takes the tree
// when there is a zip to re-extract from, the whole version otherwise.
func PlanEvict(c *Cache, sel []module.Version, p Policy, avail Replaceable) *Plan {
	pl := newPlanner(c, p, avail)
	pl.plan.Policy = "marked versions, mode " + p.Mode.String()
	pl.plan.Met = true
	seen := map[*Version]bool{}
	for _, mv := range sel {
		v := c.Lookup(mv.Path, mv.Version)
		if v == nil {
			pl.plan.Notes = append(pl.plan.Notes, mv.Path+"@"+mv.Version+" is not in the cache")
			continue
		}
		if seen[v] {
			continue
		}
		seen[v] = true
		if v.State == Partial && v.LockHeld {
			pl.keep(v, v.Bytes(), KeptBusy)
			continue
		}
		if pl.recent(v) {
			pl.keep(v, v.Bytes(), KeptRecent)
			continue
		}
		cd := &cand{v: v, reason: "marked"}
		switch {
		case matchesAny(p.Keep, v):
			cd.reason = "marked; matches a keep pattern"
		case p.Pinned[mv]:
			cd.reason = "marked; pinned by a project"
		}
		switch {
		case p.Mode == ModeDir && dirEvictable(v):
			cd.tier = tierDir
		case p.Mode == ModeDir && v.Has&HasTree == 0:
			pl.keep(v, v.Bytes(), KeptNoTree)
			continue
		case p.Mode == ModeDir:
			pl.keep(v, v.Bytes(), KeptNoDir)
			continue
		case p.Mode == ModeAuto && dirEvictable(v):
			cd.tier = tierDir
		case pl.full(cd):
			cd.tier = tierFull
		case dirEvictable(v):
			cd.tier = tierDir
		}
		pl.cands = append(pl.cands, cd)
	}
	sort.SliceStable(pl.cands, func(i, j int) bool { return lruLess(pl.cands[i].v, pl.cands[j].v) })
	pl.finish()
	return pl.plan
}

// nonNil makes empty lists print as [] in JSON, so the schema is stable.
func (p *Plan) nonNil() {
	if p.Actions == nil {
		p.Actions = []Action{}
	}
	if p.Kept == nil {
		p.Kept = []Kept{}
	}
	if p.Strays == nil {
		p.Strays = []Stray{}
	}
	if p.VCS == nil {
		p.VCS = []VCSRepo{}
	}
	if p.Notes == nil {
		p.Notes = []string{}
	}
}
