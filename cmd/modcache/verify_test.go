package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/fixture"
)

// envCache is the standard fixture, with the config and index isolated
// and the environment pointing at it.
func envCache(t *testing.T) *fixture.Cache {
	t.Helper()
	isolate(t)
	fc := fixture.NewCache(t)
	useGoEnv(t, fc.Env)
	return fc
}

// damage flips a byte in an extracted file of alpha v1.1.0 and truncates
// beta v1.1.0's zip.
func damage(t *testing.T, fc *fixture.Cache) {
	t.Helper()
	tree, _ := fc.Files(t, "example.com/alpha", "v1.1.0")
	file := filepath.Join(tree, "alpha.go")
	os.Chmod(tree, 0o755)
	os.Chmod(file, 0o644)
	data, _ := os.ReadFile(file)
	data[0] ^= 0x20
	os.WriteFile(file, data, 0o444)
	_, beta := fc.Files(t, "example.com/beta", "v1.1.0")
	data, _ = os.ReadFile(beta + ".zip")
	os.WriteFile(beta+".zip", data[:len(data)/3], 0o644)
}

func TestVerifyCLIClean(t *testing.T) {
	fc := envCache(t)
	r := runCLI(t, "verify", "--project", fc.Project)
	if r.code != 0 || !strings.Contains(r.stdout, "8 versions checked") || !strings.Contains(r.stdout, "no damage") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "verify", "--json", "example.com/alpha")
	var out struct{ Report cache.VerifyReport }
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 || out.Report.Versions != 3 || len(out.Report.Findings) != 0 {
		t.Errorf("exit %d, err %v, report %+v\n%s", r.code, err, out.Report, r.stdout)
	}
}

func TestVerifyCLIUsage(t *testing.T) {
	fc := envCache(t)
	for _, args := range [][]string{
		{"verify", "--project", t.TempDir()},
		{"verify", "nothing.example/*"},
		{"verify", "[bad"},
	} {
		r := runCLI(t, args...)
		if r.code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
	_ = fc
}

func TestVerifyCLIDamageAndRepair(t *testing.T) {
	fc := envCache(t)
	damage(t, fc)
	r := runCLI(t, "verify")
	if r.code != 1 {
		t.Fatalf("damaged cache: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"example.com/alpha@v1.1.0", "changed: alpha.go", "example.com/beta@v1.1.0", "zip-invalid", "2 damaged versions"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runCLI(t, "verify", "--repair", "--project", fc.Project)
	if r.code != 0 {
		t.Fatalf("repair: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"example.com/alpha@v1.1.0: extracted tree removed, extracted again from the verified zip", "example.com/beta@v1.1.0: evicted whole, fetched again", "checked again: 2 versions, no damage"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("repair output lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := runCLI(t, "verify", "--project", fc.Project); r.code != 0 {
		t.Errorf("after repair: exit %d\n%s", r.code, r.stdout)
	}
	fc.Sound(t, "off")
}

func TestVerifyCLIRepairOffline(t *testing.T) {
	fc := envCache(t)
	damage(t, fc)
	t.Setenv("GOPROXY", "off")
	r := runCLI(t, "verify", "--repair", "--json")
	if r.code != 1 {
		t.Fatalf("offline repair of a lost zip: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "1 damaged version left as found, since no good copy could be had") {
		t.Errorf("stderr does not say what was left and what to do:\n%s", r.stderr)
	}
	var out verifyJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	// The tree is re-extracted from the verified zip offline; the broken
	// zip could only be replaced from a remote, so it stays as it was.
	if len(out.Repair.Repaired) != 1 || out.Repair.Repaired[0].Path != "example.com/alpha" || !out.Repair.Repaired[0].Fetched {
		t.Errorf("repaired %+v", out.Repair.Repaired)
	}
	if len(out.Repair.Kept) != 1 || out.Repair.Kept[0].Item != "example.com/beta@v1.1.0" || !strings.Contains(out.Repair.Kept[0].Reason, "GOPROXY=off") {
		t.Errorf("kept %+v", out.Repair.Kept)
	}
	if out.After == nil || len(out.After.Findings) != 1 || out.After.Findings[0].Path != "example.com/beta" {
		t.Errorf("after repair: %+v", out.After)
	}
	// beta v1.1.0 is in the project's build, and its tree still serves it
	// with no network, as before the repair (go mod verify, like ours,
	// still reports its zip).
	fixture.Go(t, fc.Project, fixture.With(fc.Env, "GOPROXY=off"), "build", "-o", os.DevNull, ".")

	r = runCLI(t, "verify", "--repair")
	if r.code != 1 || !strings.Contains(r.stdout, "example.com/beta@v1.1.0: left as it was, with no good copy to replace it: go mod download: module lookup disabled by GOPROXY=off") {
		t.Errorf("text output: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
