package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modcache/modcache/internal/fixture"
	"github.com/modcache/modcache/internal/gocmd"
)

// TestSyncAndImport: sync a project into a bundle, carry it over, import it
// into an empty module cache, and build there with GOPROXY=off.
func TestSyncAndImport(t *testing.T) {
	isolate(t)
	c, db := fixture.NewCacheWithSumDB(t)
	useGoEnv(t, c.Env)
	bundle := filepath.Join(t.TempDir(), "deps.tar.zst")
	r := runCLI(t, "sync", "--project", c.Project, "--to", "bundle://"+filepath.ToSlash(bundle))
	if r.code != 0 {
		t.Fatalf("sync: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "checked: bundle://") || !strings.Contains(r.stdout, "modcache import") {
		t.Errorf("sync output:\n%s", r.stdout)
	}
	db.Stop()

	fresh := filepath.Join(t.TempDir(), "offline", "modcache") // does not exist yet
	fixture.MakeRemovable(t, fresh)
	r = runCLI(t, "--modcache", fresh, "import", bundle)
	if r.code != 0 || !strings.Contains(r.stdout, "imported 6 module versions") {
		t.Fatalf("import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	env := fixture.With(fixture.GoEnv(fresh, "off"), "GOFLAGS=-mod=readonly")
	fixture.Go(t, c.Project, env, "build", "-o", os.DevNull, ".")
	fixture.Go(t, c.Project, env, "mod", "verify")

	// A bundle that is not one.
	bad := filepath.Join(t.TempDir(), "bad.tar.gz")
	os.WriteFile(bad, []byte("not gzip"), 0o644)
	if r := runCLI(t, "import", bad); r.code != exitFailure || !strings.Contains(r.stderr, "neither gzip nor zstd") {
		t.Errorf("bad bundle: exit %d %s", r.code, r.stderr)
	}
}

// TestSyncDir: sync to a directory reads the mirror back and prints the
// offline settings.
func TestSyncDir(t *testing.T) {
	c := envCache(t)
	dir := filepath.Join(t.TempDir(), "mirror")
	r := runCLI(t, "sync", "--project", c.Project, "--to", "file://"+filepath.ToSlash(dir), "--offline")
	if r.code != 0 {
		t.Fatalf("sync: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"checked: " + dir + " holds every file", "GOPROXY=" + gocmd.FileURL(dir)} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("sync output lacks %q:\n%s", want, r.stdout)
		}
	}
	if !pathExists(filepath.Join(dir, "example.com/beta/@v/v1.0.0.mod")) {
		t.Errorf("graph-only beta v1.0.0 not synced")
	}
	r = runCLI(t, "push", "--json", "--to", dir, "--project", c.Project)
	var out struct {
		Result struct{ Sent, Skipped int }
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
		t.Fatalf("push --json: exit %d, %v\n%s", r.code, err, r.stdout)
	}
	if out.Result.Sent != 0 || out.Result.Skipped == 0 {
		t.Errorf("push after sync: %+v, want everything skipped", out.Result)
	}
}
