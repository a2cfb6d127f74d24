package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/fixture"
	"github.com/modcache/modcache/internal/gocmd"
	"github.com/modcache/modcache/mirror"
)

// typ types text into whatever has focus.
func (f *flow) typ(s string) {
	for _, r := range s {
		f.tm.Send(keyPress(string(r)))
	}
}

func withMirrors(opts Options, fc *fixture.Cache) Options {
	opts.Actions.GoEnv = fc.Env
	opts.Actions.MemoDir = cache.ZipHashesOff
	opts.Actions.OpenTarget = func(ctx context.Context, to string) (mirror.Target, error) {
		return mirror.Open(ctx, to, mirror.Options{})
	}
	return opts
}

// p pushes the marked versions with their dependencies; the mirror then
// serves the go command.
func TestFlowPushMarked(t *testing.T) {
	opts, fc := realSetup(t)
	opts = withMirrors(opts, fc)
	dest := filepath.Join(t.TempDir(), "mirror")
	f := startFlow(t, opts, 100, 30)
	f.waitFor("5 modules")
	f.keys("p")
	f.waitFor("nothing marked")
	f.keys("/", "a", "l", "p", "h", "a", "enter", "enter", "down", "space", "esc")
	f.waitFor("1 marked")
	f.keys("p")
	// The field's hint shows whole: which kinds of target there are.
	f.waitFor("to which mirror?", "another target", "bundle:///….tar.zst")
	f.typ(gocmd.FileURL(dest))
	f.keys("enter")
	// Building alpha v1.2.0 needs beta v1.0.0 (its requirement), which the
	// cache holds only as a .mod: the plan asks before downloading it.
	f.waitFor("1 version: 1 full", "+ 1 version not in the cache yet", "enter download, then plan")
	beta, _ := cache.PathsFor(fc.Root, "example.com/beta", "v1.0.0")
	if _, err := os.Stat(beta.Zip); err == nil {
		t.Fatal("the zip was downloaded before the user confirmed")
	}
	f.keys("enter")
	s := f.waitFor("2 versions: 2 full", "downloaded 1 missing version", "enter push")
	if strings.Contains(s, "refused") {
		t.Fatalf("nothing should be refused:\n%s", s)
	}
	f.keys("enter")
	f.waitFor("✓ pushed", "GOPROXY="+gocmd.FileURL(dest))
	for _, name := range []string{"example.com/alpha/@v/v1.2.0.zip", "example.com/alpha/@v/list", "example.com/beta/@v/v1.0.0.mod"} {
		if _, err := os.Stat(filepath.Join(dest, name)); err != nil {
			t.Errorf("mirror lacks %s: %v", name, err)
		}
	}
	// A fresh cache fills from the mirror alone.
	fresh := filepath.Join(t.TempDir(), "fresh")
	fixture.MakeRemovable(t, fresh)
	env := fixture.GoEnv(fresh, gocmd.FileURL(dest))
	fixture.Go(t, fc.Project, env, "mod", "download", "example.com/alpha@v1.2.0")
}

// Versions the remote has and the cache lacks can be marked in the right
// pane; f fetches them with go mod download.
func TestFlowFetchRemoteMarked(t *testing.T) {
	opts, fc := realSetup(t)
	opts = withMirrors(opts, fc)
	fc.Proxy.Add(t, fixture.Mod{Path: "example.com/alpha", Version: "v1.3.0"})
	f := startFlow(t, opts, 100, 30)
	f.waitFor("5 modules", "v1.3.0")
	f.keys("tab")
	f.keys("space") // the first row: v1.3.0, remote only and newer
	f.waitFor("1 remote marked")
	f.keys("f")
	f.waitFor("✓ example.com/alpha@v1.3.0")
	p, _ := cache.PathsFor(fc.Root, "example.com/alpha", "v1.3.0")
	if _, err := os.Stat(p.Zip); err != nil {
		t.Errorf("fetched version's zip is missing: %v", err)
	}
	f.keys("enter")
	// The rescan shows it on both sides now.
	f.keys("tab")
	f.waitFor("v1.3.0 both")
}
