package mirror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/module"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/gocmd"
	"github.com/modcache/modcache/internal/parallel"
	"github.com/modcache/modcache/internal/units"
)

// Selection says what to push.
type Selection struct {
	// Versions are exact versions (PATH@VERSION arguments, versions marked
	// in the TUI). They are pushed in full; missing files are downloaded.
	Versions []module.Version
	// Patterns pick more versions from the cache. Those with a zip are
	// pushed in full, those with only a .mod graph-only.
	Patterns []cache.Pattern
	// WithDeps adds the closure of Versions and Patterns computed from the
	// cached go.mod files (see closure.go).
	WithDeps bool
	// Project is a main module (or workspace) directory: the go command
	// there says what its build needs, and its go.mod's replace and
	// exclude directives apply to the closure of Versions too.
	Project string
	// Offline forbids downloads; what the cache lacks is refused.
	Offline bool
	// AskFirst leaves the zips the cache lacks undownloaded: the plan
	// names them in ToDownload, for a person to confirm before a plan
	// with downloads (the go.mod files the graph needs are small and
	// fetched all the same).
	AskFirst bool
	// Env is the environment for the go commands the plan runs (the
	// user's); GOMODCACHE is set to the cache's root. It is also where the
	// client settings read GOSUMDB, GOPRIVATE, GONOPROXY and GONOSUMDB.
	Env []string
	// MemoDir holds the memo of verified zip hashes (cache.ZipHashes): ""
	// is the user cache directory, cache.ZipHashesOff disables it.
	MemoDir string
}

// Plan is what a push will do, as a value: print it for --dry-run, show it
// in the TUI's push dialog, then hand it to NewPush.
type Plan struct {
	Root     string         `json:"root"`
	Target   string         `json:"target"`
	Versions []*VersionPlan `json:"versions"` // sorted by path, then semver
	// SumDB are the checksum database files to copy; sumdb/<db>/supported
	// comes last and is written after the others.
	SumDB   []*File   `json:"sumdb,omitempty"`
	Refused []Refusal `json:"refused,omitempty"`
	// Downloaded are versions the go command fetched into the cache whole;
	// GoMods those it fetched only the go.mod (and .info) of, for the
	// module graph or to push them graph-only.
	Downloaded Versions `json:"downloaded,omitempty"`
	GoMods     Versions `json:"goMods,omitempty"`
	// ToDownload are the versions whose zips the cache lacks, left for a
	// confirmation (Selection.AskFirst). The plan leaves them out.
	ToDownload Versions `json:"toDownload,omitempty"`
	// Checked is set when the target was asked what it already holds, so
	// File.Present means something.
	Checked  bool           `json:"checked"`
	Settings ClientSettings `json:"settings"`

	features Features
}

// Versions is a list of module versions whose JSON has the lower-case
// keys of the rest of a plan's ("path", "version"), not module.Version's.
type Versions []module.Version

func (vs Versions) MarshalJSON() ([]byte, error) {
	type version struct {
		Path    string `json:"path"`
		Version string `json:"version"`
	}
	out := make([]version, len(vs))
	for i, m := range vs {
		out[i] = version{m.Path, m.Version}
	}
	return json.Marshal(out)
}

// VersionPlan is one module version to push.
type VersionPlan struct {
	Path    string `json:"path"`
	Version string `json:"version"`
	// Full versions get .info, .mod and .zip and are named in @v/list;
	// graph-only versions get .mod (and .info when cached).
	Full    bool    `json:"full"`
	Why     string  `json:"why"`               // selected, dependency or project
	ZipHash string  `json:"zipHash,omitempty"` // verified h1
	ModHash string  `json:"modHash"`           // h1 of the .mod
	Files   []*File `json:"files"`
}

// Module returns the version as a module.Version.
func (v *VersionPlan) Module() module.Version {
	return module.Version{Path: v.Path, Version: v.Version}
}

// File is one file to push, by its GOPROXY name.
type File struct {
	Name    string `json:"name"`
	Size    int64  `json:"size"`
	Present bool   `json:"present,omitempty"` // the target already holds these exact bytes
	src     *Source
	differs bool // made by the push (a merged list) from what the target holds
}

// Refusal is a version that will not be pushed, and why.
type Refusal struct {
	Path    string `json:"path"`
	Version string `json:"version"`
	Reason  string `json:"reason"`
	// Missing: the cache lacks the version and it could not (or, offline,
	// may not) be downloaded. Otherwise the cached copy failed a check.
	Missing bool `json:"missing,omitempty"`
}

func (r Refusal) String() string { return r.Path + "@" + r.Version + ": " + r.Reason }

// Totals sums up a plan for a summary line or the TUI's dialog.
type Totals struct {
	Versions, Full, GraphOnly int
	Files                     int
	Bytes                     int64
	PresentFiles              int   // already on the target (Plan.Checked)
	PresentBytes              int64 //
	Refused                   int
}

// Totals counts the plan's versions and files.
func (p *Plan) Totals() Totals {
	t := Totals{Versions: len(p.Versions), Refused: len(p.Refused)}
	for _, v := range p.Versions {
		if v.Full {
			t.Full++
		} else {
			t.GraphOnly++
		}
	}
	for _, f := range p.files() {
		t.Files++
		t.Bytes += f.Size
		if f.Present {
			t.PresentFiles++
			t.PresentBytes += f.Size
		}
	}
	return t
}

// GoSum returns go.sum lines for every version in the plan.
func (p *Plan) GoSum() []string {
	var lines []string
	for _, v := range p.Versions {
		if v.ZipHash != "" {
			lines = append(lines, fmt.Sprintf("%s %s %s", v.Path, v.Version, v.ZipHash))
		}
		lines = append(lines, fmt.Sprintf("%s %s/go.mod %s", v.Path, v.Version, v.ModHash))
	}
	return lines
}

func (p *Plan) files() []*File {
	var fs []*File
	for _, v := range p.Versions {
		fs = append(fs, v.Files...)
	}
	return append(fs, p.SumDB...)
}

// PlanProgress is a snapshot of a running Planner.
type PlanProgress struct {
	Stage       string // what it is doing: project, closure, graph, download, verify, records, target
	Done, Total int
	// While go works (project, graph, download): the files it has fetched, the
	// URL it is on, and for how long the stage has run, so a slow or
	// hanging GOPROXY shows as such instead of as a frozen count.
	Fetched int
	Current string
	Elapsed time.Duration
}

// String says what the planner is doing, for a progress line, with the
// URL go is on while it fetches.
func (p PlanProgress) String() string {
	s := p.Headline()
	if p.Current != "" && p.GoFetches() {
		s += "; now " + p.Current
	}
	return s
}

// Headline is String without the URL, for a display that shows the URL
// on a line of its own.
func (p PlanProgress) Headline() string {
	switch p.Stage {
	case "project":
		return "asking go what the project needs" + p.fetched()
	case "closure":
		return "computing the module graph"
	case "download":
		return "go is downloading " + units.Count(p.Total, "missing version") + p.fetched()
	case "graph":
		return "go is fetching " + units.Count(p.Total, "missing go.mod file") + p.fetched()
	case "records":
		return "go is fetching the checksum database records of " + units.Count(p.Total, "version") + p.fetched()
	case "verify":
		return fmt.Sprintf("verifying %d/%d versions", p.Done, p.Total)
	case "target":
		return fmt.Sprintf("asking the target what it has: %d/%d files", p.Done, p.Total)
	case "":
		return "starting"
	}
	return fmt.Sprintf("%s %d/%d", p.Stage, p.Done, p.Total)
}

// GoFetches reports whether the stage is go fetching, which tells of its
// progress only in its trace: files fetched and the URL it is on.
func (p PlanProgress) GoFetches() bool {
	return p.Stage == "project" || p.Stage == "download" || p.Stage == "graph" || p.Stage == "records"
}

// fetched says how much go has fetched and for how long, once it has run
// long enough for a person to wonder.
func (p PlanProgress) fetched() string {
	if p.Fetched == 0 && p.Elapsed < 2*time.Second {
		return ""
	}
	return fmt.Sprintf(" (%s fetched, %s)", units.Count(p.Fetched, "file"), units.Elapsed(p.Elapsed.Truncate(time.Second)))
}

// Planner builds a Plan. Run it once; poll Progress from another goroutine.
type Planner struct {
	c   *cache.Cache
	sel Selection
	t   Target

	stage       atomic.Pointer[string]
	since       atomic.Int64 // when the stage began, in Unix nanoseconds
	done, total atomic.Int64
	gets        gocmd.GetCounter
}

// BuildPlan computes what pushing sel from c to t involves: the versions
// and files, each verified, what t already holds, and what is refused. t
// may be nil to plan without asking a target.
func BuildPlan(ctx context.Context, c *cache.Cache, sel Selection, t Target) (*Plan, error) {
	return NewPlanner(c, sel, t).Run(ctx)
}

// NewPlanner prepares BuildPlan for progress polling.
func NewPlanner(c *cache.Cache, sel Selection, t Target) *Planner {
	return &Planner{c: c, sel: sel, t: t}
}

// Progress returns what the planner is doing.
func (p *Planner) Progress() PlanProgress {
	s := ""
	if v := p.stage.Load(); v != nil {
		s = *v
	}
	pr := PlanProgress{Stage: s, Done: int(p.done.Load()), Total: int(p.total.Load())}
	if since := p.since.Load(); since != 0 {
		pr.Elapsed = time.Since(time.Unix(0, since))
	}
	pr.Fetched, pr.Current = p.gets.Get()
	return pr
}

func (p *Planner) setStage(s string, total int) {
	p.stage.Store(&s)
	p.since.Store(time.Now().UnixNano())
	p.gets.Reset()
	p.done.Store(0)
	p.total.Store(int64(total))
}

// want is why a version is in the plan, and how.
type want struct {
	full bool
	why  string
}

// planBuild is the state of one Run.
type planBuild struct {
	*Planner
	plan    *Plan
	wants   map[module.Version]*want
	missing map[module.Version]string // versions that cannot be pushed, and why
	seeds   []module.Version          // what the selection named, for the closure
	main    *mainModule               // the project's, if any
	sums    *cache.KnownSums
	dbs     []string // checksum databases with files in the plan
	// unrecorded are the planned versions with no checksum database
	// record to push, private ones aside.
	unrecorded []module.Version
}

// Run builds the plan: select the versions, add what they need to build,
// have go download what the cache lacks, verify everything, add the
// checksum database files, and ask the target what it holds already.
func (p *Planner) Run(ctx context.Context) (*Plan, error) {
	b := &planBuild{
		Planner: p,
		plan:    &Plan{Root: p.c.Root, Versions: []*VersionPlan{}, features: goproxyLayout},
		wants:   map[module.Version]*want{},
		missing: map[module.Version]string{},
		sums:    cache.NewKnownSums(p.c.Root),
	}
	if p.t != nil {
		b.plan.Target, b.plan.features = p.t.String(), p.t.Features()
		if err := outsideCache(p.t, p.c.Root); err != nil {
			return nil, err
		}
	}
	for _, step := range []func(context.Context) error{b.selectVersions, b.addProject, b.addClosure, b.download, b.verify, b.addSumDB, b.checkTarget} {
		if err := step(ctx); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	b.plan.Settings = clientSettings(p.t, b.plan, b.dbs, b.unrecorded, p.sel.Env)
	if note := toolchainNote(ctx, b.main, p.sel.Env); note != "" {
		b.plan.Settings.Notes = append(b.plan.Settings.Notes, note)
	}
	return b.plan, nil
}

// outsideCache refuses a target that writes into the module cache: its
// files would sit among go's as files go never wrote.
func outsideCache(t Target, root string) error {
	var dir string
	switch t := t.(type) {
	case *dirTarget:
		dir = t.root
	case *bundleTarget:
		dir = filepath.Dir(t.path)
	default:
		return nil
	}
	rel, err := filepath.Rel(root, dir)
	if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("mirror %s is inside the module cache %s; push to a directory outside it", t, root)
	}
	return nil
}

func (b *planBuild) add(m module.Version, full bool, why string) {
	if w := b.wants[m]; w != nil {
		w.full = w.full || full
	} else {
		b.wants[m] = &want{full: full, why: why}
	}
}

// selectVersions takes the exact versions and the cached versions the
// patterns match.
func (b *planBuild) selectVersions(ctx context.Context) error {
	sel := b.sel
	for _, m := range sel.Versions {
		if err := module.Check(m.Path, m.Version); err != nil || module.CanonicalVersion(m.Version) != m.Version {
			return fmt.Errorf("cannot push %s: not a module path and canonical version", m)
		}
		b.add(m, true, "selected")
		b.seeds = append(b.seeds, m)
	}
	if len(sel.Patterns) > 0 {
		matched := 0
		for _, v := range b.c.Select(sel.Patterns) {
			m := module.Version{Path: v.Path, Version: v.Version}
			switch {
			case v.Has&cache.HasZip != 0:
				b.add(m, true, "selected")
			case v.Has&cache.HasMod != 0:
				b.add(m, false, "selected")
			default:
				continue
			}
			b.seeds = append(b.seeds, m)
			matched++
		}
		if matched == 0 && len(sel.Versions) == 0 && sel.Project == "" {
			return fmt.Errorf("no version in the module cache %s matches %s", b.c.Root, patternsString(sel.Patterns))
		}
	}
	if len(b.seeds) == 0 && sel.Project == "" {
		return errors.New("nothing to push: name versions (PATH@VERSION), patterns, or a project")
	}
	return nil
}

// addProject asks the go command what the project needs.
func (b *planBuild) addProject(ctx context.Context) error {
	if b.sel.Project == "" {
		return nil
	}
	b.setStage("project", 0)
	cl, mm, err := projectClosure(ctx, b.c.Root, b.sel.Project, b.sel.Env, b.sel.Offline, b.sel.AskFirst, &b.gets)
	if err != nil {
		return err
	}
	b.main = mm
	for _, gs := range mm.goSums {
		b.sums.AddGoSumFile(gs)
	}
	b.addClosureResult(cl, "project")
	return nil
}

// addClosure adds what the selected versions need, from the cached go.mod
// files, under the project's replace and exclude directives if any.
func (b *planBuild) addClosure(ctx context.Context) error {
	if !b.sel.WithDeps || len(b.seeds) == 0 {
		return nil
	}
	b.setStage("closure", 0)
	cl, err := cacheClosure(ctx, b.c.Root, b.seeds, b.main, b.ensure(false))
	if err != nil {
		return err
	}
	b.addClosureResult(cl, "dependency")
	return nil
}

func (b *planBuild) addClosureResult(cl *closure, why string) {
	for _, m := range cl.full {
		b.add(m, true, why)
	}
	for _, m := range cl.graph {
		b.add(m, false, why)
	}
	mergeMissing(b.missing, cl.missing)
}

// ensure returns the downloader for versions the cache lacks, with their
// zips when full and their go.mod files alone otherwise; offline, one that
// refuses them all. go does the download, so go verifies what comes in.
func (b *planBuild) ensure(full bool) ensureFunc {
	if b.sel.Offline {
		return offline
	}
	stage, fetch := "graph", cache.DownloadGoMods
	if full {
		stage, fetch = "download", cache.Download
	}
	into := &b.plan.GoMods
	if full {
		into = &b.plan.Downloaded
	}
	return func(ctx context.Context, mods []module.Version) map[module.Version]string {
		b.setStage(stage, len(mods))
		failed := fetch(ctx, b.c.Root, b.sel.Env, mods, &b.gets)
		for _, m := range mods {
			if _, bad := failed[m]; !bad {
				*into = append(*into, m)
			}
		}
		module.Sort(*into)
		*into = slices.Compact(*into)
		return failed
	}
}

// download fetches the versions whose files the cache lacks. A target
// that cannot hold graph-only versions (Athens) gets every version full.
func (b *planBuild) download(ctx context.Context) error {
	if !b.plan.features.ModOnly {
		for _, w := range b.wants {
			w.full = true
		}
	}
	var full, graph []module.Version
	for m, w := range b.wants {
		if _, gone := b.missing[m]; gone || !lacksFiles(b.c.Root, m, w.full) {
			continue
		}
		if w.full {
			full = append(full, m)
		} else {
			graph = append(graph, m)
		}
	}
	if b.sel.AskFirst && !b.sel.Offline && len(full) > 0 {
		// Left out of this plan: neither verified nor refused.
		b.plan.ToDownload = dedupe(full)
		for _, m := range full {
			delete(b.wants, m)
		}
		full = nil
	}
	for _, step := range []struct {
		need []module.Version
		full bool
	}{{full, true}, {graph, false}} {
		if len(step.need) > 0 && ctx.Err() == nil {
			mergeMissing(b.missing, b.ensure(step.full)(ctx, dedupe(step.need)))
		}
	}
	return nil
}

// offline is the ensureFunc of --offline: nothing may be downloaded.
func offline(_ context.Context, mods []module.Version) map[module.Version]string {
	failed := map[module.Version]string{}
	for _, m := range mods {
		failed[m] = "not (completely) in the module cache, and --offline forbids downloading it"
	}
	return failed
}

// verify checks every version, in parallel; failures become refusals.
func (b *planBuild) verify(ctx context.Context) error {
	ms := make([]module.Version, 0, len(b.wants))
	for m := range b.wants {
		ms = append(ms, m)
	}
	// A version the graph needs whose go.mod could not be had is not in
	// wants, yet clients cannot load the graph without it: refused too.
	for m := range b.missing {
		if b.wants[m] == nil {
			ms = append(ms, m)
		}
	}
	module.Sort(ms)
	memo := cache.OpenZipHashes(b.c.Root, b.sel.MemoDir)
	defer memo.Save()
	v := &verifier{root: b.c.Root, sums: b.sums, memo: memo}
	b.setStage("verify", len(ms))
	results := make([]*VersionPlan, len(ms))
	reasons := make([]string, len(ms))
	missing := make([]bool, len(ms))
	parallel.Each(ctx, runtime.GOMAXPROCS(0), len(ms), func(i int) {
		defer b.done.Add(1)
		m := ms[i]
		if reason, gone := b.missing[m]; gone {
			reasons[i], missing[i] = reason, true
			return
		}
		results[i], reasons[i] = v.verify(m, b.wants[m].full)
		if results[i] != nil {
			results[i].Why = b.wants[m].why
		}
	})
	for i, m := range ms {
		if reasons[i] != "" {
			b.plan.Refused = append(b.plan.Refused, Refusal{Path: m.Path, Version: m.Version, Reason: reasons[i], Missing: missing[i]})
		} else if results[i] != nil {
			b.plan.Versions = append(b.plan.Versions, results[i])
		}
	}
	return nil
}

// addSumDB adds the cached checksum database files, where the target can
// serve them.
func (b *planBuild) addSumDB(ctx context.Context) error {
	// Without a version to check there is no reason to copy the database.
	if !b.plan.features.SumDB || len(b.plan.Versions) == 0 {
		return nil
	}
	dbs, err := b.sums.Databases()
	if err != nil {
		return err
	}
	if err := b.sumDBFiles(dbs); err != nil || len(b.unrecorded) == 0 || b.sel.Offline || getEnv(b.sel.Env, "GOSUMDB") == "off" {
		return err
	}
	// go caches a record only when it asks the database, which it does
	// not for versions a go.sum already names: most of a cache filled by
	// builds has none. Online, go fetches them now (checking signatures
	// and proofs as ever), so offline clients need no go.sum lines. A
	// database out of reach costs at most recordsLimit; the versions
	// then stay unrecorded, and the settings' notes say so.
	b.setStage("records", len(b.unrecorded))
	rctx, cancel := context.WithTimeout(ctx, recordsLimit)
	defer cancel()
	cache.DownloadGoMods(rctx, b.c.Root, b.sel.Env, b.unrecorded, &b.gets)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if dbs, err = cache.SumDBDatabases(b.c.Root); err != nil {
		return err
	}
	return b.sumDBFiles(dbs)
}

// sumDBFiles puts the cached checksum database files of dbs in the plan
// and keeps the versions without a record, private ones aside: those
// never get one.
func (b *planBuild) sumDBFiles(dbs []string) error {
	var unrecorded []module.Version
	var err error
	b.plan.SumDB, b.dbs, unrecorded, err = sumdbFiles(b.c.Root, dbs, b.plan.Versions)
	noSumDB := noSumDBPatterns(b.sel.Env)
	b.unrecorded = slices.DeleteFunc(unrecorded, func(m module.Version) bool {
		return noSumDB != "" && module.MatchPrefixPatterns(noSumDB, m.Path)
	})
	return err
}

// recordsLimit bounds fetching missing checksum database records.
const recordsLimit = time.Minute

// checkTarget marks the files the target already holds.
func (b *planBuild) checkTarget(ctx context.Context) error {
	if b.t == nil {
		return nil
	}
	files := b.plan.files()
	b.setStage("target", len(files))
	var (
		mu    sync.Mutex
		first error
	)
	// The first failure ends the check: a target that is down or refuses
	// us answers every file the same way, one timeout after another.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	parallel.Each(ctx, 8, len(files), func(i int) {
		defer b.done.Add(1)
		same, err := b.t.Same(ctx, files[i].Name, files[i].src)
		if err != nil {
			mu.Lock()
			if first == nil && ctx.Err() == nil {
				first = fmt.Errorf("checking what %s holds: %s: %v", b.t, files[i].Name, err)
				cancel()
			}
			mu.Unlock()
			return
		}
		files[i].Present = same
	})
	b.plan.Checked = first == nil && ctx.Err() == nil
	return first
}

// lacksFiles reports whether the cache is missing a file the version needs.
func lacksFiles(root string, m module.Version, full bool) bool {
	f, err := cache.PathsFor(root, m.Path, m.Version)
	if err != nil {
		return false // verify reports it
	}
	need := []string{f.Mod}
	if full {
		need = append(need, f.Info, f.Zip)
	}
	for _, p := range need {
		if _, err := os.Lstat(p); err != nil {
			return true
		}
	}
	return false
}

func patternsString(ps []cache.Pattern) string {
	var s []string
	for _, p := range ps {
		if p.Version != "" {
			s = append(s, p.Path+"@"+p.Version)
		} else {
			s = append(s, p.Path)
		}
	}
	return strings.Join(s, " ")
}

// mergeMissing adds src to dst, keeping the first reason given.
func mergeMissing(dst, src map[module.Version]string) {
	for k, v := range src {
		if _, ok := dst[k]; !ok {
			dst[k] = v
		}
	}
}
