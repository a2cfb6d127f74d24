package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/fixture"
)

// useGoEnv makes the process environment the fixture's, so the go env
// modcache reads (GOPROXY, GOPRIVATE...) and the go commands it runs see
// only the fixture.
func useGoEnv(t *testing.T, env []string) {
	t.Helper()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// agedCache is the standard fixture with every version last used 60 days
// ago, and the environment pointing at it.
func agedCache(t *testing.T) *fixture.Cache {
	t.Helper()
	fc := envCache(t)
	fc.AgeAll(t, time.Now().Add(-60*24*time.Hour))
	return fc
}

func present(t *testing.T, fc *fixture.Cache, path, version string) (tree, zip bool) {
	t.Helper()
	tr, base := fc.Files(t, path, version)
	_, errT := os.Lstat(tr)
	_, errZ := os.Lstat(base + ".zip")
	return errT == nil, errZ == nil
}

func TestPruneWithoutPolicyIsUsageError(t *testing.T) {
	isolate(t)
	fc := fixture.NewCache(t)
	r := runCLI(t, "prune", "--modcache", fc.Root)
	if r.code != 2 || !strings.Contains(r.stderr, "no prune policy") || !strings.Contains(r.stderr, "[prune]") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, args := range [][]string{
		{"--ttl", "soon"}, {"--max-size", "big"}, {"--keep-free", "200%"},
		{"--ttl", "1d", "--mode", "half"}, {"--ttl", "1d", "--keep-latest", "-1"},
		{"--ttl", "1d", "--keep-project", t.TempDir()}, {"--ttl", "1d", "--keep", "[x"},
	} {
		r := runCLI(t, append([]string{"prune", "--modcache", fc.Root}, args...)...)
		if r.code != 2 {
			t.Errorf("prune %v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
}

func TestPruneDryRunChangesNothing(t *testing.T) {
	fc := agedCache(t)
	r := runCLI(t, "prune", "--ttl", "30d", "--dry-run", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var plan cache.Plan
	if err := json.Unmarshal([]byte(r.stdout), &plan); err != nil {
		t.Fatalf("not a plan: %v\n%s", err, r.stdout)
	}
	if len(plan.Actions) != 7 || plan.Bytes == 0 || !plan.Met || !strings.Contains(plan.Goal, "30d") {
		t.Errorf("plan: %d actions, %d bytes, met %v, goal %q", len(plan.Actions), plan.Bytes, plan.Met, plan.Goal)
	}
	if tree, _ := present(t, fc, "example.com/alpha", "v1.0.0"); !tree {
		t.Error("--dry-run removed a tree")
	}
	r = runCLI(t, "prune", "--ttl", "30d", "--dry-run")
	for _, want := range []string{"would free", "7 trees (dir)", "largest evictions", "example.com/gamma/v2@v2.0.0", "unused for"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry-run text lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestPruneDirThenOfflineBuild(t *testing.T) {
	fc := agedCache(t)
	r := runCLI(t, "prune", "--ttl", "30d")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "freed") || !strings.Contains(r.stdout, "7 trees, 0 whole versions") {
		t.Errorf("summary:\n%s", r.stdout)
	}
	if tree, zip := present(t, fc, "example.com/alpha", "v1.2.0"); tree || !zip {
		t.Errorf("alpha v1.2.0: tree %v zip %v after a dir prune", tree, zip)
	}
	fc.Sound(t, "off")
}

func TestPruneFullProtectsWhatNoRemoteServes(t *testing.T) {
	fc := agedCache(t)
	// gamma is private; old is gone from the proxy.
	t.Setenv("GOPRIVATE", "example.com/gamma")
	if err := os.RemoveAll(filepath.Join(fc.Proxy.Dir, "example.com", "old")); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "prune", "--ttl", "30d", "--mode", "full")
	if r.code != 0 {
		t.Fatalf("exit %d: %s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "kept: 2 irreplaceable") || !strings.Contains(r.stdout, "--force") {
		t.Errorf("summary does not report the protected versions:\n%s", r.stdout)
	}
	// Replaceable versions are gone whole; the protected ones lost only
	// their trees, which loses nothing.
	if tree, zip := present(t, fc, "example.com/alpha", "v1.2.0"); tree || zip {
		t.Errorf("alpha v1.2.0 not fully evicted: tree %v zip %v", tree, zip)
	}
	for _, p := range [][2]string{{"example.com/gamma/v2", "v2.0.0"}, {"example.com/old", "v1.1.0"}} {
		if tree, zip := present(t, fc, p[0], p[1]); tree || !zip {
			t.Errorf("%s@%s: tree %v zip %v; want its zip kept", p[0], p[1], tree, zip)
		}
	}
	fc.Sound(t, fc.Proxy.URL())
}

func TestPruneUnreachableRemoteRefusesFull(t *testing.T) {
	fc := agedCache(t)
	t.Setenv("GOPROXY", "http://127.0.0.1:1") // nothing listens there
	r := runCLI(t, "prune", "--ttl", "30d", "--mode", "full", "--dry-run")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "0 whole versions") || !strings.Contains(r.stdout, "could not be checked with any remote") || !strings.Contains(r.stdout, "unverified") {
		t.Errorf("offline full prune:\n%s", r.stdout)
	}
	// --force takes responsibility.
	r = runCLI(t, "prune", "--ttl", "30d", "--mode", "full", "--force")
	if r.code != 0 || !strings.Contains(r.stdout, "8 whole versions") {
		t.Errorf("forced: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	fc.Sound(t, fc.Proxy.URL())
}

func TestPruneKeepFreeAndProjects(t *testing.T) {
	fc := agedCache(t)
	testDisk = &cache.DiskSpace{Total: 100 << 20, Free: 10 << 20}
	defer func() { testDisk = nil }()
	// 11% free wanted: 1 MiB short, more than every tree together; the
	// project pins all but alpha's two extra versions.
	r := runCLI(t, "prune", "--keep-free", "11%", "--keep-project", fc.Project, "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var out struct {
		Plan   cache.Plan
		Result cache.PruneResult
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	evicted := map[string]cache.Mode{}
	for _, a := range out.Result.Done {
		evicted[a.Path+"@"+a.Version] = a.Mode
	}
	if len(evicted) != 2 || evicted["example.com/alpha@v1.0.0"] != cache.ModeFull || evicted["example.com/alpha@v1.1.0"] != cache.ModeFull {
		t.Errorf("evicted %v; want alpha v1.0.0 and v1.1.0 whole (auto: trees were not enough)", evicted)
	}
	if out.Plan.Met || out.Plan.Goal == "" {
		t.Errorf("goal %q met=%v; the pins make it unreachable", out.Plan.Goal, out.Plan.Met)
	}
	pinned := 0
	for _, k := range out.Plan.Kept {
		if k.Reason == cache.KeptPinned {
			pinned++
		}
	}
	if pinned != 6 { // the project's 5 requirements and beta v1.0.0 from its graph
		t.Errorf("%d pinned, want 6: %+v", pinned, out.Plan.Kept)
	}
	fc.Sound(t, "off")
}

func TestPruneUsesConfigPolicy(t *testing.T) {
	agedCache(t)
	cfg := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(cfg, []byte("[prune]\nttl = \"30d\"\nmode = \"full\"\nkeep = [\"example.com/gamma\"]\nkeep-latest = 1\n"), 0o600)
	r := runCLI(t, "--config", cfg, "prune", "--dry-run", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var plan cache.Plan
	json.Unmarshal([]byte(r.stdout), &plan)
	reasons := map[string]string{}
	for _, k := range plan.Kept {
		reasons[k.Path+"@"+k.Version] = k.Reason
	}
	if reasons["example.com/gamma/v2@v2.0.0"] != cache.KeptPattern || reasons["example.com/alpha@v1.2.0"] != cache.KeptLatest {
		t.Errorf("kept %v", reasons)
	}
	if _, f := plan.Count(); f != 3 || !strings.Contains(plan.Policy, "mode full") { // alpha v1.0.0, v1.1.0, beta v1.0.0
		t.Errorf("policy %q: %d full evictions\n%s", plan.Policy, f, r.stdout)
	}
	// A flag goal replaces the config's goals but keeps its protections.
	r = runCLI(t, "--config", cfg, "prune", "--max-size", "1", "--dry-run", "--json")
	json.Unmarshal([]byte(r.stdout), &plan)
	if strings.Contains(plan.Goal, "30d") || !strings.Contains(plan.Policy, "keep-latest 1") {
		t.Errorf("flag goal: goal %q policy %q", plan.Goal, plan.Policy)
	}
}

// A remote later in GOPROXY is asked only about versions the ones before
// it do not hold: a dead mirror there must not hold up a full prune the
// first proxy can answer for.
func TestPruneFullAsksLaterRemotesOnlyForWhatIsMissing(t *testing.T) {
	fc := agedCache(t)
	var asked atomic.Int64
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		<-r.Context().Done()
	}))
	defer dead.Close()
	t.Setenv("GOPROXY", fc.Proxy.URL()+"|"+dead.URL)
	r := runCLI(t, "prune", "--ttl", "30d", "--mode", "full")
	if r.code != 0 {
		t.Fatalf("exit %d: %s\n%s", r.code, r.stdout, r.stderr)
	}
	if tree, zip := present(t, fc, "example.com/alpha", "v1.2.0"); tree || zip {
		t.Errorf("alpha v1.2.0 not fully evicted: tree %v zip %v", tree, zip)
	}
	if n := asked.Load(); n != 0 {
		t.Errorf("the second remote was asked %d time(s), though the first holds every version", n)
	}
}

// A remote that is down is waited for once, not once per module: after it
// failed, the lookups for other modules go straight to the next remote,
// and still get their answers there.
func TestPruneLookupSkipsARemoteThatJustFailed(t *testing.T) {
	fc := agedCache(t)
	var asked atomic.Int64
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.Error(w, "upstream connect error", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	t.Setenv("GOPROXY", down.URL+"|"+fc.Proxy.URL())
	a := newApp(strings.NewReader(""), io.Discard, io.Discard)
	lookup, err := a.remoteLookup()
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"example.com/alpha", "example.com/beta", "example.com/gamma/v2"} {
		got := lookup(context.Background(), path, nil)
		if got.Err != nil || len(got.Versions) == 0 {
			t.Errorf("%s: %+v", path, got)
		}
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("the remote that is down was asked %d times, want once", n)
	}
}

// A --modcache that is not a module cache is refused before any scan or
// plan: no plan is printed that would list a user's files as leftovers.
func TestPruneRefusesANonCacheFirst(t *testing.T) {
	isolate(t)
	home := t.TempDir()
	left := filepath.Join(home, "work@v1.0.0.tmp-2024")
	os.MkdirAll(left, 0o755)
	os.WriteFile(filepath.Join(left, "t.txt"), []byte("precious"), 0o644)
	for _, args := range [][]string{{"prune", "--ttl", "1d", "--grace", "0"}, {"prune", "--ttl", "1d", "--dry-run"}, {"verify", "--repair"}} {
		r := runCLI(t, append(args, "--modcache", home)...)
		if r.code != exitFailure || !strings.Contains(r.stderr, "does not look like a Go module cache") || r.stdout != "" {
			t.Errorf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(left, "t.txt")); err != nil {
		t.Errorf("the file is gone: %v", err)
	}
}

// A server that answers 200 to everything (a sign-in page, an empty body)
// is no remote holding every version: prune evicts nothing whole without
// --force, and remote shows no version as held there.
func TestPruneKeepsWhatA200ToEverythingServerDoesNotProve(t *testing.T) {
	for name, body := range map[string]string{"html": "<html><title>Sign in</title><form>password</form></html>\n", "empty": ""} {
		t.Run(name, func(t *testing.T) {
			fc := agedCache(t)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, body)
			}))
			defer srv.Close()
			t.Setenv("GOPROXY", srv.URL)
			r := runCLI(t, "prune", "--ttl", "30d", "--mode", "full", "--grace", "0")
			if r.code != 0 || !strings.Contains(r.stdout, "0 whole versions") {
				t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if _, zip := present(t, fc, "example.com/alpha", "v1.2.0"); !zip {
				t.Error("alpha v1.2.0 evicted whole on the word of a server that holds nothing")
			}
			r = runCLI(t, "remote", "example.com/alpha", "--json")
			var rep remoteReport
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatalf("%v\n%s", err, r.stderr)
			}
			if e := rep.Remotes[0]; e.Error == "" {
				t.Errorf("remote: %+v", e)
			}
			for _, v := range rep.Remotes[0].Versions {
				if v.Remote {
					t.Errorf("%s shown as on the remote", v.Version)
				}
			}
		})
	}
}
