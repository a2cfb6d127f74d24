package mirror

import (
	"context"
	"fmt"
	"go/version"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/modcache/modcache/cache"
)

// The closure of a set of versions is what a project that requires them
// needs from a mirror to build: the zip of the version go selects for every
// module that can provide packages, and the go.mod of every version go
// reads while it loads the module graph. It is computed from the cached
// .mod files the way cmd/go's modload loads a graph, so the mirror can be
// filled without a project at hand:
//
//   - The selected versions and the modules they require directly are
//     roots: a tidy project that requires a version lists them too.
//   - go reads a root's go.mod. If that module is at go 1.17 or later its
//     graph is pruned: its requirements join the graph as nodes, but their
//     own go.mod files are not read. Below go 1.17 every requirement is
//     followed, transitively.
//   - Minimal version selection picks the highest version of each module
//     among all nodes. That version is pushed in full for every module
//     whose go.mod go read at some version; a module only named by a pruned
//     go.mod provides no package the roots import. Every other version
//     whose go.mod go read is pushed graph-only (.mod and .info).
//   - The main module's replace directives are applied (the replacement's
//     go.mod is read and it is what gets pushed; a directory replacement
//     has nothing to push) and its exclude directives drop the excluded
//     requirements, as go has done since 1.16.

// mainModule holds what a main module (or a workspace of them) decides
// for its whole graph.
type mainModule struct {
	paths    map[string]bool // main module paths: go uses them as they are
	requires []module.Version
	pruned   bool
	replaces []replaceRule // in priority order
	excludes []module.Version
	goSums   []string // go.sum files that record the graph's hashes
	// goVersion is the newest go the go.mod and go.work files ask for
	// (their toolchain and go lines), as a toolchain name ("go1.26.9").
	goVersion string
}

// asks records the go and toolchain lines of one go.mod or go.work.
func (mm *mainModule) asks(g *modfile.Go, tc *modfile.Toolchain) {
	for _, v := range []string{goLine(g), toolchainLine(tc)} {
		if v != "" && version.Compare(v, mm.goVersion) > 0 {
			mm.goVersion = v
		}
	}
}

func goLine(g *modfile.Go) string {
	if g == nil {
		return ""
	}
	return "go" + g.Version
}

func toolchainLine(tc *modfile.Toolchain) string {
	if tc == nil {
		return ""
	}
	return tc.Name
}

type replaceRule struct {
	old, new module.Version
	base     string // directory a relative directory replacement is relative to
}

// readMainModule reads the go.mod file in dir.
func readMainModule(dir string) (*mainModule, error) {
	mm := &mainModule{paths: map[string]bool{}}
	if err := mm.addModule(dir, true); err != nil {
		return nil, err
	}
	return mm, nil
}

// readWorkspace reads a go.work file and the go.mod of every module it
// uses. go.work's replaces win over the modules'.
func readWorkspace(gowork string) (*mainModule, error) {
	data, err := os.ReadFile(gowork)
	if err != nil {
		return nil, err
	}
	wf, err := modfile.ParseWork(gowork, data, nil)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(gowork)
	mm := &mainModule{paths: map[string]bool{}, pruned: true}
	mm.asks(wf.Go, wf.Toolchain)
	for _, r := range wf.Replace {
		mm.replaces = append(mm.replaces, replaceRule{r.Old, r.New, dir})
	}
	mm.goSums = append(mm.goSums, gowork+".sum")
	for _, u := range wf.Use {
		d := u.Path
		if !filepath.IsAbs(d) {
			d = filepath.Join(dir, d)
		}
		if err := mm.addModule(d, false); err != nil {
			return nil, err
		}
	}
	return mm, nil
}

func (mm *mainModule) addModule(dir string, only bool) error {
	path := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return err
	}
	if f.Module != nil {
		mm.paths[f.Module.Mod.Path] = true
	}
	mm.asks(f.Go, f.Toolchain)
	if only {
		mm.pruned = goAtLeast117(f)
	}
	for _, r := range f.Require {
		mm.requires = append(mm.requires, r.Mod)
	}
	for _, r := range f.Replace {
		mm.replaces = append(mm.replaces, replaceRule{r.Old, r.New, dir})
	}
	for _, e := range f.Exclude {
		mm.excludes = append(mm.excludes, e.Mod)
	}
	mm.goSums = append(mm.goSums, filepath.Join(dir, "go.sum"))
	return nil
}

// replace returns what m is replaced by; dir is set for a directory
// replacement. A version-specific replace wins over a path-wide one.
func (mm *mainModule) replace(m module.Version) (to module.Version, dir string) {
	if mm == nil {
		return m, ""
	}
	var rule *replaceRule
	for i, r := range mm.replaces {
		if r.old.Path != m.Path {
			continue
		}
		if r.old.Version == m.Version {
			rule = &mm.replaces[i]
			break
		}
		if r.old.Version == "" && rule == nil {
			rule = &mm.replaces[i]
		}
	}
	if rule == nil {
		return m, ""
	}
	if rule.new.Version == "" {
		d := rule.new.Path
		if !filepath.IsAbs(d) {
			d = filepath.Join(rule.base, d)
		}
		return module.Version{}, d
	}
	return rule.new, ""
}

// isMain reports whether path is a main module's: go uses the main module
// itself, whatever version its dependencies require.
func (mm *mainModule) isMain(path string) bool { return mm != nil && mm.paths[path] }

func (mm *mainModule) excluded(m module.Version) bool {
	return mm != nil && slices.Contains(mm.excludes, m)
}

// closure is a computed set of versions to push, by the identity that is
// pushed (after replacement).
type closure struct {
	full, graph []module.Version
	missing     map[module.Version]string // needed but unreadable, with the reason
}

// ensureFunc brings the given versions into the cache (their go.mod
// files, for the closure) and returns those it could not get, with the
// reason; nil means the cache holds everything already.
type ensureFunc func(ctx context.Context, mods []module.Version) map[module.Version]string

// cacheClosure computes the closure of seeds as described at the top of
// this file, one level of the graph at a time so that the go.mod files a
// level lacks are downloaded in one go command.
func cacheClosure(ctx context.Context, root string, seeds []module.Version, main *mainModule, ensure ensureFunc) (*closure, error) {
	type summary struct {
		pruned  bool
		require []module.Version
	}
	type item struct {
		m        module.Version
		unpruned bool // reached through a module without graph pruning
		seed     bool
	}
	var (
		loaded  = map[module.Version]*summary{}
		nodes   = map[string][]string{} // path -> versions in the graph
		missing = map[module.Version]string{}
		queued  = map[item]bool{}
		queue   []item
	)
	addNode := func(m module.Version) {
		if main.isMain(m.Path) {
			return
		}
		if !slices.Contains(nodes[m.Path], m.Version) {
			nodes[m.Path] = append(nodes[m.Path], m.Version)
		}
	}
	enqueue := func(it item) {
		if it.m.Version == "none" || main.excluded(it.m) || queued[it] || main.isMain(it.m.Path) {
			return
		}
		queued[it] = true
		addNode(it.m)
		queue = append(queue, it)
	}
	for _, m := range seeds {
		enqueue(item{m: m, seed: true})
	}
	if main != nil {
		for _, r := range main.requires {
			enqueue(item{m: r, unpruned: !main.pruned})
		}
	}
	load := func(m module.Version) (*summary, string) {
		if s, ok := loaded[m]; ok {
			return s, ""
		}
		to, dir := main.replace(m)
		var data []byte
		var err error
		if dir != "" {
			data, err = os.ReadFile(filepath.Join(dir, "go.mod"))
		} else {
			data, err = cache.ReadMod(root, to.Path, to.Version)
		}
		switch {
		case err != nil && dir != "":
			return nil, fmt.Sprintf("go.mod of %s cannot be read: %v", describe(m, to, dir), err)
		case err != nil:
			return nil, fmt.Sprintf("go.mod of %s is not in the module cache", describe(m, to, dir))
		}
		f, err := modfile.ParseLax("go.mod", data, nil)
		if err != nil {
			return nil, fmt.Sprintf("go.mod of %s does not parse: %s", describe(m, to, dir), firstLine(err.Error()))
		}
		s := &summary{pruned: goAtLeast117(f)}
		for _, r := range f.Require {
			s.require = append(s.require, r.Mod)
		}
		loaded[m] = s
		return s, ""
	}
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		batch := queue
		queue = nil
		// Fetch the missing go.mod files of this level in one go command.
		if ensure != nil {
			var need []module.Version
			for _, it := range batch {
				if to, dir := main.replace(it.m); dir == "" && loaded[it.m] == nil && !hasMod(root, to) {
					need = append(need, to)
				}
			}
			if len(need) > 0 {
				for m, reason := range ensure(ctx, dedupe(need)) {
					missing[m] = reason
				}
			}
		}
		for _, it := range batch {
			s, reason := load(it.m)
			if s == nil {
				if to, dir := main.replace(it.m); dir == "" {
					if _, ok := missing[to]; !ok {
						missing[to] = reason
					}
				}
				continue
			}
			for _, r := range s.require {
				if !main.excluded(r) {
					addNode(r)
				}
			}
			if it.unpruned || !s.pruned {
				for _, r := range s.require {
					enqueue(item{m: r, unpruned: true})
				}
			}
			if it.seed {
				for _, r := range s.require {
					enqueue(item{m: r})
				}
			}
		}
	}

	c := &closure{missing: missing}
	seen := map[module.Version]bool{}
	push := func(list *[]module.Version, m module.Version) {
		to, dir := main.replace(m)
		if dir == "" && !seen[to] {
			seen[to] = true
			*list = append(*list, to)
		}
	}
	selected := map[string]string{}
	for path, vs := range nodes {
		selected[path] = slices.MaxFunc(vs, semver.Compare)
	}
	for m := range loaded {
		push(&c.full, module.Version{Path: m.Path, Version: selected[m.Path]})
	}
	for m := range loaded {
		if m.Version != selected[m.Path] {
			push(&c.graph, m)
		}
	}
	module.Sort(c.full)
	module.Sort(c.graph)
	return c, nil
}

func describe(m, to module.Version, dir string) string {
	switch {
	case dir != "":
		return fmt.Sprintf("%s (replaced by %s)", m, dir)
	case to != m:
		return fmt.Sprintf("%s (replaced by %s)", m, to)
	}
	return m.String()
}

func hasMod(root string, m module.Version) bool {
	f, err := cache.PathsFor(root, m.Path, m.Version)
	if err != nil {
		return false
	}
	_, err = os.Lstat(f.Mod)
	return err == nil
}

// goAtLeast117 reports whether a go.mod's go line turns on graph pruning.
// No go line means the oldest semantics.
func goAtLeast117(f *modfile.File) bool {
	if f.Go == nil {
		return false
	}
	return version.Compare("go"+f.Go.Version, "go1.17") >= 0
}

func dedupe(ms []module.Version) []module.Version {
	module.Sort(ms)
	return slices.Compact(ms)
}
