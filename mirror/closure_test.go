package mirror

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/module"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/fixture"
)

func mv(s string) module.Version {
	p, v, _ := strings.Cut(s, "@")
	return module.Version{Path: p, Version: v}
}

func mvs(ss ...string) []module.Version {
	var out []module.Version
	for _, s := range ss {
		out = append(out, mv(s))
	}
	return out
}

func writeGoMod(t testing.TB, body string) *mainModule {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(body), 0o666); err != nil {
		t.Fatal(err)
	}
	mm, err := readMainModule(dir)
	if err != nil {
		t.Fatal(err)
	}
	return mm
}

// TestCacheClosure computes closures from the cached go.mod files of the
// standard fixture, whose alpha v1.2.0 (go 1.16, so not pruned) requires
// beta v1.0.0.
func TestCacheClosure(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name        string
		seeds       []module.Version
		main        string
		full, graph []module.Version
	}{{
		name:  "alone",
		seeds: mvs("example.com/alpha@v1.2.0"),
		full:  mvs("example.com/alpha@v1.2.0", "example.com/beta@v1.0.0"),
	}, {
		name:  "main requires a newer beta",
		seeds: mvs("example.com/alpha@v1.2.0"),
		main:  "module example.com/m\ngo 1.21\nrequire example.com/beta v1.1.0\n",
		full:  mvs("example.com/alpha@v1.2.0", "example.com/beta@v1.1.0"),
		graph: mvs("example.com/beta@v1.0.0"),
	}, {
		name:  "exclude drops the requirement",
		seeds: mvs("example.com/alpha@v1.2.0"),
		main:  "module example.com/m\ngo 1.21\nexclude example.com/beta v1.0.0\n",
		full:  mvs("example.com/alpha@v1.2.0"),
	}, {
		name:  "replace by another version",
		seeds: mvs("example.com/alpha@v1.2.0"),
		main:  "module example.com/m\ngo 1.21\nreplace example.com/beta v1.0.0 => example.com/beta v1.1.0\n",
		full:  mvs("example.com/alpha@v1.2.0", "example.com/beta@v1.1.0"),
	}, {
		name:  "replace by a directory",
		seeds: mvs("example.com/alpha@v1.2.0"),
		main:  "module example.com/m\ngo 1.21\nreplace example.com/beta => ./beta\n",
		full:  mvs("example.com/alpha@v1.2.0"),
	}} {
		t.Run(tc.name, func(t *testing.T) {
			var mm *mainModule
			if tc.main != "" {
				mm = writeGoMod(t, tc.main)
				if strings.Contains(tc.main, "./beta") {
					os.MkdirAll(filepath.Join(mm.replaces[0].base, "beta"), 0o777)
					os.WriteFile(filepath.Join(mm.replaces[0].base, "beta", "go.mod"), []byte("module example.com/beta\n"), 0o666)
				}
			}
			cl, err := cacheClosure(ctx, c.Root, tc.seeds, mm, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cl.full, tc.full) || !slices.Equal(cl.graph, tc.graph) || len(cl.missing) > 0 {
				t.Errorf("full %v graph %v missing %v\nwant full %v graph %v", cl.full, cl.graph, cl.missing, tc.full, tc.graph)
			}
		})
	}
}

// TestClosurePruning: go reads the go.mod of a pruned (go 1.17+) module's
// requirements, but not theirs. Starting from an empty cache, the closure
// has go download exactly what it needs.
func TestClosurePruning(t *testing.T) {
	t.Parallel()
	p := fixture.NewProxy(t,
		fixture.Mod{Path: "example.com/p", Version: "v1.0.0", Require: []string{"example.com/q v1.0.0"}},
		fixture.Mod{Path: "example.com/q", Version: "v1.0.0", Require: []string{"example.com/r v1.0.0"}},
		fixture.Mod{Path: "example.com/r", Version: "v1.0.0"},
		fixture.Mod{Path: "example.com/old", Version: "v1.0.0", Go: "1.16", Require: []string{"example.com/q v1.0.0"}},
	)
	root := emptyCache(t)
	env := fixture.GoEnv(root, p.URL())
	ensure := func(ctx context.Context, mods []module.Version) map[module.Version]string {
		return cache.Download(ctx, root, env, mods, nil)
	}
	ctx := context.Background()

	cl, err := cacheClosure(ctx, root, mvs("example.com/p@v1.0.0"), nil, ensure)
	if err != nil {
		t.Fatal(err)
	}
	if want := mvs("example.com/p@v1.0.0", "example.com/q@v1.0.0"); !slices.Equal(cl.full, want) || len(cl.graph) > 0 {
		t.Errorf("pruned: full %v graph %v, want full %v", cl.full, cl.graph, want)
	}
	// Below go 1.17 everything is followed.
	cl, err = cacheClosure(ctx, root, mvs("example.com/old@v1.0.0"), nil, ensure)
	if err != nil {
		t.Fatal(err)
	}
	if want := mvs("example.com/old@v1.0.0", "example.com/q@v1.0.0", "example.com/r@v1.0.0"); !slices.Equal(cl.full, want) {
		t.Errorf("unpruned: full %v, want %v", cl.full, want)
	}
	// Offline, what the cache lacks is missing, and the reason says how
	// to get it.
	cl, err = cacheClosure(ctx, t.TempDir(), mvs("example.com/p@v1.0.0"), nil, offline)
	if err != nil || len(cl.missing) != 1 {
		t.Errorf("offline in an empty cache: %v missing %v", err, cl.missing)
	}
	for _, why := range cl.missing {
		if !strings.Contains(why, "--offline forbids downloading it") {
			t.Errorf("offline reason %q does not name --offline", why)
		}
	}
}

// TestPlanDownloadsAndOffline: an explicit version the cache lacks is
// downloaded by go (and so verified) before it is pushed; offline it is
// refused with the reason.
func TestPlanDownloadsAndOffline(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	ctx := context.Background()
	cached := scan(t, c.Root)
	sel := Selection{Versions: mvs("example.com/gamma/v2@v2.1.0"), Env: c.Env, MemoDir: cache.ZipHashesOff}

	sel.Offline = true
	plan, err := BuildPlan(ctx, cached, sel, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Refused) != 1 || !strings.Contains(plan.Refused[0].Reason, "--offline") {
		t.Fatalf("offline: refused %v", plan.Refused)
	}

	sel.Offline = false
	plan, err = BuildPlan(ctx, cached, sel, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Refused) != 0 || len(plan.Versions) != 1 || !plan.Versions[0].Full || !slices.Equal(plan.Downloaded, sel.Versions) {
		t.Fatalf("online: versions %v refused %v downloaded %v", plan.Versions, plan.Refused, plan.Downloaded)
	}
	if plan.Checked {
		t.Errorf("a plan without a target says it checked one")
	}
}

// TestPlanFetchesGraphOnlyGoMods: filling the closure from an empty cache,
// go fetches the go.mod alone of a version the graph only reads, and the
// zip only of what is pushed in full: a push with dependencies must not
// download the code of every version its graph mentions.
func TestPlanFetchesGraphOnlyGoMods(t *testing.T) {
	t.Parallel()
	root, plan := planFromEmpty(t, graphProxy(t), false, "example.com/p@v1.0.0", "example.com/s@v1.0.0")
	if len(plan.Refused) > 0 {
		t.Fatalf("refused: %v", plan.Refused)
	}
	if want := mvs("example.com/p@v1.0.0", "example.com/q@v1.1.0", "example.com/s@v1.0.0"); !slices.Equal(plan.Downloaded, want) {
		t.Errorf("downloaded %v, want %v", plan.Downloaded, want)
	}
	if want := mvs("example.com/p@v1.0.0", "example.com/q@v1.0.0", "example.com/q@v1.1.0", "example.com/s@v1.0.0"); !slices.Equal(plan.GoMods, want) {
		t.Errorf("go.mod files fetched for %v, want %v", plan.GoMods, want)
	}
	full := map[string]bool{}
	for _, v := range plan.Versions {
		full[v.Path+"@"+v.Version] = v.Full
	}
	want := map[string]bool{"example.com/p@v1.0.0": true, "example.com/s@v1.0.0": true, "example.com/q@v1.1.0": true, "example.com/q@v1.0.0": false}
	if !maps.Equal(full, want) {
		t.Fatalf("plan: %v, want %v", full, want)
	}
	for m, isFull := range want {
		f, _ := cache.PathsFor(root, mv(m).Path, mv(m).Version)
		if _, err := os.Stat(f.Mod); err != nil {
			t.Errorf("%s: go.mod not fetched: %v", m, err)
		}
		if _, err := os.Stat(f.Zip); (err == nil) != isFull {
			t.Errorf("%s: zip present %v, want %v", m, err == nil, isFull)
		}
	}
}

// TestPlanAskFirst: asked to ask first (the TUI), the plan downloads no
// zip: it names the versions whose zips are missing, refuses nothing, and
// still fetches the go.mod files the graph needs.
func TestPlanAskFirst(t *testing.T) {
	t.Parallel()
	root, plan := planFromEmpty(t, graphProxy(t), true, "example.com/p@v1.0.0")
	if want := mvs("example.com/p@v1.0.0", "example.com/q@v1.0.0"); !slices.Equal(plan.ToDownload, want) {
		t.Errorf("to download %v, want %v", plan.ToDownload, want)
	}
	if len(plan.Refused) > 0 || len(plan.Versions) > 0 {
		t.Errorf("refused %v, versions %v; want both empty until confirmed", plan.Refused, plan.Versions)
	}
	for _, m := range plan.ToDownload {
		f, _ := cache.PathsFor(root, m.Path, m.Version)
		if _, err := os.Stat(f.Zip); err == nil {
			t.Errorf("%s: zip downloaded unasked", m)
		}
		if _, err := os.Stat(f.Mod); err != nil {
			t.Errorf("%s: the graph's go.mod not fetched: %v", m, err)
		}
	}
}

// TestProjectAskFirst: a project's push plan that asks first (a dry run)
// names the same versions a real one pushes in full, replacements
// applied, without downloading a single zip.
func TestProjectAskFirst(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	project := editedProject(t, c, func(gomod []byte) []byte {
		return append(gomod, "\nreplace example.com/gamma/v2 => example.com/gamma/v2 v2.1.0\n"...)
	})
	plan := func(askFirst bool) (string, *Plan) {
		root := emptyCache(t)
		sel := Selection{Project: project, WithDeps: true, AskFirst: askFirst, Env: fixture.GoEnv(root, c.Proxy.URL()), MemoDir: cache.ZipHashesOff}
		plan, err := BuildPlan(context.Background(), scan(t, root), sel, nil)
		if err != nil {
			t.Fatal(err)
		}
		return root, plan
	}

	root, asked := plan(true)
	if zips, _ := filepath.Glob(filepath.Join(root, "cache", "download", "*", "*", "@v", "*.zip")); len(zips) > 0 {
		t.Errorf("asking first downloaded %v", zips)
	}
	_, real := plan(false)
	var full []module.Version
	for _, v := range real.Versions {
		if v.Full {
			full = append(full, v.Module())
		}
	}
	if !slices.Equal(asked.ToDownload, full) {
		t.Errorf("asked first: to download %v\nreal push: full %v", asked.ToDownload, full)
	}
	if !slices.Contains(full, mv("example.com/gamma/v2@v2.1.0")) || slices.Contains(full, mv("example.com/gamma/v2@v2.0.0")) {
		t.Errorf("replacement not applied: %v", full)
	}
	if len(asked.Refused) > 0 || len(real.Refused) > 0 {
		t.Errorf("refused: %v, %v", asked.Refused, real.Refused)
	}
}

// TestPlanRefusesAGoModItCannotGet: a go.mod the graph needs that the
// proxy cannot serve is a refusal with go's reason, not a version counted
// as downloaded and then silently left out.
func TestPlanRefusesAGoModItCannotGet(t *testing.T) {
	t.Parallel()
	p := graphProxy(t)
	if err := os.Remove(filepath.Join(p.Dir, "example.com", "q", "@v", "v1.0.0.mod")); err != nil {
		t.Fatal(err)
	}
	_, plan := planFromEmpty(t, p, false, "example.com/p@v1.0.0", "example.com/s@v1.0.0")
	if slices.Contains(plan.GoMods, mv("example.com/q@v1.0.0")) {
		t.Errorf("q v1.0.0 counted as fetched: %v", plan.GoMods)
	}
	if len(plan.Refused) != 1 || plan.Refused[0].Path != "example.com/q" || plan.Refused[0].Version != "v1.0.0" || !plan.Refused[0].Missing {
		t.Fatalf("refused %+v; want q v1.0.0 missing", plan.Refused)
	}
	t.Log(plan.Refused[0].Reason)
}

// TestPatternsAndTotals: patterns select from the cache; a version with
// only a .mod goes graph-only; totals add up.
func TestPatternsAndTotals(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	ps, _ := cache.ParsePatterns([]string{"example.com/beta"})
	plan, err := BuildPlan(context.Background(), scan(t, c.Root), Selection{Patterns: ps, Env: c.Env, MemoDir: cache.ZipHashesOff, Offline: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range plan.Versions {
		got = append(got, v.Version+map[bool]string{true: " full", false: " graph"}[v.Full])
	}
	if want := []string{"v1.0.0 graph", "v1.1.0 full"}; !slices.Equal(got, want) {
		t.Errorf("versions %v, want %v", got, want)
	}
	tot := plan.Totals()
	if tot.Versions != 2 || tot.Full != 1 || tot.GraphOnly != 1 || tot.Files != 4 || tot.Bytes <= 0 {
		t.Errorf("totals %+v", tot)
	}
	if lines := plan.GoSum(); len(lines) != 3 {
		t.Errorf("go.sum lines %v", lines)
	}
	if _, err := BuildPlan(context.Background(), scan(t, c.Root), Selection{Env: c.Env}, nil); err == nil {
		t.Errorf("an empty selection planned without error")
	}
}

// TestProjectLeftAsFound: asking go what a project needs runs
// `go mod download all`, which records a go.sum line for every module in
// the build list; the project's own go.mod and go.sum must not change.
func TestProjectLeftAsFound(t *testing.T) {
	c := fixture.NewCache(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the scratch go.mod goes, watched below
	read := func(name string) string {
		data, _ := os.ReadFile(filepath.Join(c.Project, name))
		return string(data)
	}
	// A go.sum that lacks a build-list module's zip hash, as one does when
	// no package of it is imported: go mod download all would add it.
	var kept []string
	for _, l := range strings.SplitAfter(read("go.sum"), "\n") {
		if !strings.HasPrefix(l, "example.com/old v1.1.0 h1:") {
			kept = append(kept, l)
		}
	}
	os.WriteFile(filepath.Join(c.Project, "go.sum"), []byte(strings.Join(kept, "")), 0o644)
	mod, sum := read("go.mod"), read("go.sum")

	plan, err := BuildPlan(context.Background(), scan(t, c.Root), projectSelection(c), nil)
	if err != nil || len(plan.Versions) == 0 {
		t.Fatal(err, plan)
	}
	if read("go.mod") != mod || read("go.sum") != sum {
		t.Errorf("the project changed:\ngo.mod\n%s\ngo.sum\n%s", read("go.mod"), read("go.sum"))
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "modcache-project-*")); len(left) > 0 {
		t.Errorf("scratch go.mod left behind: %v", left)
	}
}

// TestWorkspaceClosure: --project on a workspace pushes what the
// workspace builds with: a module used beside the project raises gamma/v2
// to v2.1.0, which the project alone does not need. go.work and
// go.work.sum are left as they were.
func TestWorkspaceClosure(t *testing.T) {
	c := fixture.NewCache(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ws := t.TempDir()
	tool := filepath.Join(ws, "tool")
	os.MkdirAll(tool, 0o777)
	os.WriteFile(filepath.Join(tool, "go.mod"), []byte("module example.com/tool\n\ngo 1.21\n\nrequire example.com/gamma/v2 v2.1.0\n"), 0o644)
	os.WriteFile(filepath.Join(tool, "tool.go"), []byte("package tool\n\nimport _ \"example.com/gamma/v2\"\n"), 0o644)
	rel, err := filepath.Rel(ws, c.Project)
	if err != nil {
		t.Fatal(err)
	}
	// A fork of example.com/old beside them, by a relative path.
	fork := filepath.Join(ws, "oldfork")
	os.MkdirAll(fork, 0o777)
	os.WriteFile(filepath.Join(fork, "go.mod"), []byte("module example.com/old\n\ngo 1.21\n"), 0o644)
	os.WriteFile(filepath.Join(fork, "old.go"), []byte("package old\n"), 0o644)
	work := "go 1.21\n\nuse (\n\t./tool\n\t" + filepath.ToSlash(rel) + "\n)\n\nreplace example.com/old => ./oldfork\n"
	os.WriteFile(filepath.Join(ws, "go.work"), []byte(work), 0o644)
	env := fixture.With(c.Env, "GOWORK=") // the fixture's go runs with workspaces off
	fixture.Go(t, ws, env, "mod", "download", "example.com/gamma/v2@v2.1.0")
	sum, _ := os.ReadFile(filepath.Join(ws, "go.work.sum"))

	sel := projectSelection(c)
	sel.Project, sel.Env = ws, env
	plan, err := BuildPlan(context.Background(), scan(t, c.Root), sel, nil)
	if err != nil {
		t.Fatal(err)
	}
	full := map[string]bool{}
	for _, v := range plan.Versions {
		if v.Full {
			full[v.Path+"@"+v.Version] = true
		}
	}
	if !full["example.com/gamma/v2@v2.1.0"] || full["example.com/gamma/v2@v2.0.0"] || !full["example.com/beta@v1.1.0"] || full["example.com/old@v1.1.0"] {
		t.Errorf("full versions %v: want gamma/v2 v2.1.0 (the workspace's), beta v1.1.0 (the project's), and not old (replaced by a directory)", full)
	}
	if got, _ := os.ReadFile(filepath.Join(ws, "go.work")); string(got) != work {
		t.Errorf("go.work changed:\n%s", got)
	}
	if got, _ := os.ReadFile(filepath.Join(ws, "go.work.sum")); string(got) != string(sum) {
		t.Errorf("go.work.sum changed:\n%s", got)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "modcache-project-*")); len(left) > 0 {
		t.Errorf("scratch go.work left behind: %v", left)
	}
}

// TestToolchainNote: a project whose toolchain line is newer than this
// machine's go gets a note naming the toolchain module clients as old
// will ask the mirror for.
func TestToolchainNote(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	project := editedProject(t, c, func(gomod []byte) []byte { return append(gomod, "\ntoolchain go1.99.0\n"...) })
	sel := projectSelection(c)
	sel.Project = project
	_, plan := planFor(t, c, sel, filepath.Join(t.TempDir(), "mirror"), Options{})
	want := "golang.org/toolchain@v0.0.1-go1.99.0." + runtime.GOOS + "-" + runtime.GOARCH
	if !slices.ContainsFunc(plan.Settings.Notes, func(n string) bool { return strings.Contains(n, want) }) {
		t.Errorf("notes lack %s: %q", want, plan.Settings.Notes)
	}
	// The fixture's own project asks for nothing newer: no such note.
	_, plan = planFor(t, c, projectSelection(c), filepath.Join(t.TempDir(), "mirror"), Options{})
	if slices.ContainsFunc(plan.Settings.Notes, func(n string) bool { return strings.Contains(n, "golang.org/toolchain") }) {
		t.Errorf("a toolchain note for a project that needs none: %q", plan.Settings.Notes)
	}
}

// TestProjectErrorNamesTheProject: go's complaint about the go.mod it was
// given names the project's go.mod, not the scratch copy planning uses.
func TestProjectErrorNamesTheProject(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	project := editedProject(t, c, func(gomod []byte) []byte {
		return bytes.Replace(gomod, []byte("\ngo 1.21\n"), []byte("\ngo 1.99.0\n"), 1)
	})
	gomod := filepath.Join(project, "go.mod")
	sel := projectSelection(c)
	sel.Project = project
	_, err := BuildPlan(context.Background(), scan(t, c.Root), sel, nil)
	if err == nil || !strings.Contains(err.Error(), gomod+" requires go >= 1.99.0") || strings.Contains(err.Error(), scratchPrefix) {
		t.Errorf("error: %v", err)
	}
}
