package mirror

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modcache/modcache/internal/fixture"
)

// TestFetch fills an empty module cache through the real go command from a
// proxy, with and without the dependencies.
func TestFetch(t *testing.T) {
	t.Parallel()
	p := fixture.NewProxy(t, fixture.Standard()...)
	srvURL := p.Serve(t) // over HTTP, so go -x reports its requests
	root := filepath.Join(t.TempDir(), "modcache")
	fixture.MakeRemovable(t, root)
	os.MkdirAll(root, 0o777)
	env := fixture.GoEnv(root, srvURL)
	ctx := context.Background()

	f := NewFetcher(root, env, []string{"example.com/gamma/v2@latest", "example.com/nosuch@v1.0.0"}, false)
	got, err := f.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("results %+v", got)
	}
	for _, r := range got {
		switch r.Path {
		case "example.com/gamma/v2":
			if r.Version != "v2.1.0" || r.Error != "" {
				t.Errorf("gamma@latest = %+v, want v2.1.0", r)
			}
		case "example.com/nosuch":
			// The reason does not repeat the module Fetched names.
			if r.Error == "" || strings.HasPrefix(r.Error, "example.com/nosuch@") {
				t.Errorf("nosuch: %+v, want an error without the module in front", r)
			}
		}
	}
	if pr := f.Progress(); !pr.Done || pr.Requests == 0 {
		t.Errorf("progress %+v", pr)
	}
	if !exists(filepath.Join(root, "cache/download/example.com/gamma/v2/@v/v2.1.0.zip")) {
		t.Errorf("gamma v2.1.0 not in the cache")
	}

	// With its dependencies: alpha v1.2.0 requires beta v1.0.0.
	got, err = Fetch(ctx, root, env, []string{"example.com/alpha@v1.2.0"}, true)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range got {
		names = append(names, r.Path+"@"+r.Version+map[bool]string{true: " dep"}[r.Dep])
	}
	if !slices.Contains(names, "example.com/alpha@v1.2.0") || !slices.Contains(names, "example.com/beta@v1.0.0 dep") {
		t.Errorf("fetched %v", names)
	}
	for _, f := range []string{"example.com/alpha/@v/v1.2.0.zip", "example.com/beta/@v/v1.0.0.zip", "example.com/beta/@v/v1.0.0.mod"} {
		if !exists(filepath.Join(root, "cache/download", f)) {
			t.Errorf("%s not in the cache", f)
		}
	}

	if _, err := Fetch(ctx, root, env, []string{"not a path@v1"}, false); err == nil || !strings.Contains(err.Error(), "invalid module query") {
		t.Errorf("bad query: %v", err)
	}
}

// Offline, go refuses to "fetch" a version the cache holds when it has no
// checksum database record of it, and says only "module lookup disabled";
// the failure then says what go is after.
func TestFetchOfflineSaysWhatGoWants(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	env := fixture.With(c.Env, "GOPROXY=off", "GOSUMDB=sum.golang.org")
	got, err := Fetch(context.Background(), c.Root, env, []string{"example.com/alpha@v1.2.0"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !strings.Contains(got[0].Error, "GOPROXY=off") || !strings.Contains(got[0].Error, "the cache holds it already") {
		t.Errorf("fetched %+v", got)
	}
}
