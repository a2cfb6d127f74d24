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

// push plans and runs a push, failing the test on any error, refusal or
// failed file.
func push(t testing.TB, c *fixture.Cache, sel Selection, target string) (*Plan, *Result) {
	t.Helper()
	ctx := context.Background()
	tg, err := Open(ctx, target, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	plan, err := BuildPlan(ctx, scan(t, c.Root), sel, tg)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Refused) > 0 {
		t.Fatalf("refused: %v", plan.Refused)
	}
	res, err := NewPush(plan, tg, PushOptions{}).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) > 0 {
		t.Fatalf("failures: %v", res.Failures)
	}
	return plan, res
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
