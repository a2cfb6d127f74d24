package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modcache/modcache/internal/fixture"
)

// TestFetchCLI fills a module cache that does not exist yet from a proxy.
func TestFetchCLI(t *testing.T) {
	isolate(t)
	p := fixture.NewProxy(t, fixture.Standard()...)
	root := filepath.Join(t.TempDir(), "modcache")
	fixture.MakeRemovable(t, root)
	useGoEnv(t, fixture.GoEnv(root, p.URL()))

	r := runCLI(t, "fetch", "example.com/alpha@v1.2.0", "--with-deps")
	if r.code != 0 {
		t.Fatalf("fetch: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "example.com/alpha v1.2.0\n") || !strings.Contains(r.stdout, "example.com/beta v1.0.0 (dependency)") {
		t.Errorf("fetch output:\n%s", r.stdout)
	}
	if !pathExists(filepath.Join(root, "cache/download/example.com/beta/@v/v1.0.0.zip")) {
		t.Errorf("dependency not downloaded")
	}

	r = runCLI(t, "fetch", "--json", "example.com/gamma/v2@latest", "example.com/nosuch@v1.0.0")
	if r.code != exitFailure {
		t.Fatalf("fetch of a missing module: exit %d, want 1\n%s", r.code, r.stderr)
	}
	var got []struct{ Path, Version, Error string }
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	for _, g := range got {
		if g.Path == "example.com/gamma/v2" && (g.Version != "v2.1.0" || g.Error != "") || g.Path == "example.com/nosuch" && g.Error == "" {
			t.Errorf("fetched %+v", g)
		}
	}
	if !strings.Contains(r.stderr, "1 of 2 modules could not be fetched") {
		t.Errorf("stderr: %s", r.stderr)
	}
}
