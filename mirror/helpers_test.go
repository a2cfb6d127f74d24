package mirror

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/fixture"
)

// scan reads a fixture cache the way the CLI does.
func scan(t testing.TB, root string) *cache.Cache {
	t.Helper()
	c, err := cache.Scan(context.Background(), root, cache.ScanOptions{NoIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// projectSelection pushes the fixture project's closure, asking go.
func projectSelection(c *fixture.Cache) Selection {
	return Selection{Project: c.Project, WithDeps: true, Env: c.Env, MemoDir: cache.ZipHashesOff}
}

// alphaSelection pushes the fixture's alpha v1.2.0 alone.
func alphaSelection(c *fixture.Cache) Selection {
	return Selection{Versions: mvs("example.com/alpha@v1.2.0"), Env: c.Env, MemoDir: cache.ZipHashesOff}
}

// planFor opens target with opts and plans sel for it from the fixture
// cache, failing the test on an error.
func planFor(t testing.TB, c *fixture.Cache, sel Selection, target string, opts Options) (Target, *Plan) {
	t.Helper()
	ctx := context.Background()
	tg, err := Open(ctx, target, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	plan, err := BuildPlan(ctx, scan(t, c.Root), sel, tg)
	if err != nil {
		t.Fatal(err)
	}
	return tg, plan
}

// runPush runs a planned push, failing the test only when the push as a
// whole fails: failed files are in the result.
func runPush(t testing.TB, plan *Plan, tg Target, opts PushOptions) *Result {
	t.Helper()
	res, err := NewPush(plan, tg, opts).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// push plans and runs a push, failing the test on any error, refusal or
// failed file.
func push(t testing.TB, c *fixture.Cache, sel Selection, target string) (*Plan, *Result) {
	t.Helper()
	tg, plan := planFor(t, c, sel, target, Options{})
	if len(plan.Refused) > 0 {
		t.Fatalf("refused: %v", plan.Refused)
	}
	res := runPush(t, plan, tg, PushOptions{})
	if len(res.Failures) > 0 {
		t.Fatalf("failures: %v", res.Failures)
	}
	return plan, res
}

// emptyCache is a new module cache directory the test can remove.
func emptyCache(t testing.TB) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "modcache")
	fixture.MakeRemovable(t, root)
	if err := os.MkdirAll(root, 0o777); err != nil {
		t.Fatal(err)
	}
	return root
}

// planFromEmpty plans seeds with their dependencies from an empty cache
// that go fills from p, with askFirst as Selection.AskFirst.
func planFromEmpty(t testing.TB, p *fixture.Proxy, askFirst bool, seeds ...string) (root string, plan *Plan) {
	t.Helper()
	root = emptyCache(t)
	sel := Selection{Versions: mvs(seeds...), WithDeps: true, AskFirst: askFirst, Env: fixture.GoEnv(root, p.URL()), MemoDir: cache.ZipHashesOff}
	plan, err := BuildPlan(context.Background(), scan(t, root), sel, nil)
	if err != nil {
		t.Fatal(err)
	}
	return root, plan
}

// graphProxy serves p and s, which need q at two versions: q v1.0.0 is
// in the module graph only, q v1.1.0 is built.
func graphProxy(t testing.TB) *fixture.Proxy {
	return fixture.NewProxy(t,
		fixture.Mod{Path: "example.com/p", Version: "v1.0.0", Require: []string{"example.com/q v1.0.0"}},
		fixture.Mod{Path: "example.com/s", Version: "v1.0.0", Require: []string{"example.com/q v1.1.0"}},
		fixture.Mod{Path: "example.com/q", Version: "v1.0.0"},
		fixture.Mod{Path: "example.com/q", Version: "v1.1.0"},
	)
}

// editedProject copies the fixture project with its go.mod passed through
// edit, and returns the copy's directory.
func editedProject(t testing.TB, c *fixture.Cache, edit func(gomod []byte) []byte) string {
	t.Helper()
	project := filepath.Join(t.TempDir(), "project")
	copyDir(t, c.Project, project)
	gomod := filepath.Join(project, "go.mod")
	data, err := os.ReadFile(gomod)
	if err == nil {
		err = os.WriteFile(gomod, edit(data), 0o666)
	}
	if err != nil {
		t.Fatal(err)
	}
	return project
}

// buildFresh copies the fixture project without its go.sum and builds it
// with an empty module cache and the given GOPROXY and GOSUMDB, so every
// module comes from the mirror and every checksum is looked up again.
// -mod=mod lets go write the new go.sum.
func buildFresh(t testing.TB, c *fixture.Cache, goproxy, gosumdb string, extra ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "project")
	copyDir(t, c.Project, dir)
	os.Remove(filepath.Join(dir, "go.sum"))
	root := filepath.Join(t.TempDir(), "modcache")
	fixture.MakeRemovable(t, root)
	env := fixture.With(fixture.GoEnv(root, goproxy), append([]string{"GOSUMDB=" + gosumdb, "GOFLAGS=-mod=mod"}, extra...)...)
	fixture.Go(t, dir, env, "build", "-o", os.DevNull, ".")
	// Loading the whole graph reads the go.mod of graph-only versions too.
	fixture.Go(t, dir, env, "list", "-m", "all")
	sum, err := os.ReadFile(filepath.Join(dir, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	return string(sum)
}

func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o777)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o666)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// listFiles returns every regular file under dir, slash-separated and
// relative.
func listFiles(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

func containsLine(text, line string) bool {
	for l := range strings.SplitSeq(text, "\n") {
		if strings.TrimSpace(l) == line {
			return true
		}
	}
	return false
}
