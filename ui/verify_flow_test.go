package ui

import (
	"os"
	"strings"
	"testing"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/fixture"
)

// v verifies the selection in the background; a flipped byte shows as a
// finding and a damaged badge, and repair brings the version back.
func TestFlowVerifyAndRepair(t *testing.T) {
	opts, fc := realSetup(t)
	opts.Actions.GoEnv = fc.Env
	f := startFlow(t, opts, 100, 30)
	f.waitFor("5 modules")
	f.keys("/", "g", "a", "m", "enter", "v")
	f.waitFor("Verify example.com/gamma/v2", "✓ sound")
	f.keys("enter")

	// Flip a byte in an extracted file, as a bad disk would.
	p, _ := cache.PathsFor(fc.Root, "example.com/gamma/v2", "v2.0.0")
	file := p.Tree + "/gamma.go"
	os.Chmod(p.Tree, 0o755)
	os.Chmod(file, 0o644)
	data, _ := os.ReadFile(file)
	data[0] ^= 0x20
	os.WriteFile(file, data, 0o444)

	f.keys("v")
	s := f.waitFor("finding", "r repair")
	if !strings.Contains(s, "example.com/gamma/v2@v2.0.0") {
		t.Fatalf("finding does not name the version:\n%s", s)
	}
	f.keys("r")
	f.waitFor("Repair", "tree dropped", "verified zip")
	f.keys("enter")
	fixture.Go(t, fc.Project, fixture.With(fc.Env, "GOPROXY=off"), "build", "-o", os.DevNull, ".")
	fixture.Go(t, fc.Project, fc.Env, "mod", "verify")
}

// With no remote, r leaves a damaged zip where it is and says why: the
// version's tree still builds offline.
func TestFlowRepairWithoutRemote(t *testing.T) {
	opts, fc := realSetup(t)
	opts.Actions.GoEnv = fixture.With(fc.Env, "GOPROXY=off")
	f, zip, size := repairDamagedGamma(t, opts, fc)
	f.waitFor("Repair", "example.com/gamma/v2@v2.0.0", "left as it was", "GOPROXY=off")
	f.keys("enter")
	f.waitFor("1 damaged") // the header still counts it
	if got, _ := os.ReadFile(zip); len(got) != size {
		t.Errorf("the damaged zip was touched: %d bytes", len(got))
	}
	fixture.Go(t, fc.Project, fixture.With(fc.Env, "GOPROXY=off"), "build", "-o", os.DevNull, ".")
}

// A repair stopped while go waits on a proxy that never answers says it
// was stopped, not that all went well.
func TestFlowRepairStopped(t *testing.T) {
	opts, fc := realSetup(t)
	opts.Actions.GoEnv = fixture.With(fc.Env, "GOPROXY="+fixture.HangingServer(t))
	f, _, _ := repairDamagedGamma(t, opts, fc)
	f.waitFor("fetching good copies")
	f.keys("esc")
	s := f.waitFor("Repair", "stopped: the versions not listed are as they were")
	if strings.Contains(s, "lists rewritten") {
		t.Errorf("a stopped repair claims success:\n%s", s)
	}
}

// repairDamagedGamma cuts gamma v2.0.0's zip in half, verifies it in the
// TUI and presses r. It returns the flow, the zip and its size now.
func repairDamagedGamma(t *testing.T, opts Options, fc *fixture.Cache) (f *flow, zip string, size int) {
	t.Helper()
	p, _ := cache.PathsFor(fc.Root, "example.com/gamma/v2", "v2.0.0")
	data, _ := os.ReadFile(p.Zip)
	os.Chmod(p.Zip, 0o644)
	os.WriteFile(p.Zip, data[:len(data)/2], 0o444)

	f = startFlow(t, opts, 100, 30)
	f.waitFor("5 modules")
	f.keys("/", "g", "a", "m", "enter", "v")
	f.waitFor("finding", "r repair")
	f.keys("r")
	return f, p.Zip, len(data) / 2
}
