package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modcache/modcache/internal/fixture"
)

func TestRemoteSideBySide(t *testing.T) {
	isolate(t)
	fc := fixture.NewCache(t)
	fc.Proxy.Add(t, fixture.Mod{Path: "example.com/alpha", Version: "v1.3.0"})
	// alpha v1.0.0 disappears upstream: the cached copy is the last one.
	vdir := filepath.Join(fc.Proxy.Dir, "example.com", "alpha", "@v")
	for _, ext := range []string{".info", ".mod", ".zip"} {
		os.Remove(filepath.Join(vdir, "v1.0.0"+ext))
	}
	os.WriteFile(filepath.Join(vdir, "list"), []byte("v1.1.0\nv1.2.0\nv1.3.0\n"), 0o666)
	t.Setenv("GOMODCACHE", fc.Root)
	t.Setenv("GOPROXY", fc.Proxy.Serve(t)+",direct")

	r := runCLI(t, "remote", "example.com/alpha", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rep remoteReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Remotes) != 2 || !strings.HasPrefix(rep.Remotes[0].Name, "http://127.0.0.1") || rep.Remotes[1].Name != "direct" {
		t.Fatalf("remotes: %+v", rep.Remotes)
	}
	got := map[string]remoteVersion{}
	for _, v := range rep.Remotes[0].Versions {
		got[v.Version] = v
	}
	if v := got["v1.3.0"]; !v.Remote || v.Local != "" || !v.Newer {
		t.Errorf("v1.3.0 should be remote only and newer: %+v", v)
	}
	if v := got["v1.2.0"]; !v.Remote || v.Local != "complete" {
		t.Errorf("v1.2.0 should be on both: %+v", v)
	}
	if v := got["v1.0.0"]; v.Remote || v.Local != "complete" {
		t.Errorf("v1.0.0 should be local only: %+v", v)
	}
	if rep.Remotes[0].Latest != "v1.3.0" {
		t.Errorf("latest %q", rep.Remotes[0].Latest)
	}
	if strings.Join(rep.Irreplaceable, ",") != "v1.0.0" {
		t.Errorf("irreplaceable %v, want [v1.0.0]", rep.Irreplaceable)
	}
	if !strings.Contains(rep.Remotes[1].Error, "nothing to browse") {
		t.Errorf("direct should say it cannot be browsed: %q", rep.Remotes[1].Error)
	}

	text := runCLI(t, "remote", "example.com/old")
	for _, want := range []string{"deprecated: use example.com/alpha instead.", "retracted", "both"} {
		if !strings.Contains(text.stdout, want) {
			t.Errorf("remote example.com/old lacks %q:\n%s", want, text.stdout)
		}
	}
}

func TestRemoteFailures(t *testing.T) {
	remoteAnswering(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "disk full on the proxy", http.StatusInternalServerError)
	})
	r := runCLI(t, "remote", "example.com/alpha")
	if r.code != 1 || !strings.Contains(r.stdout, "500 Internal Server Error: disk full on the proxy") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "remote", "not a path"); r.code != 2 {
		t.Errorf("bad path: exit %d %s", r.code, r.stderr)
	}
	r = runCLI(t, "outdated")
	if r.code != 1 || !strings.Contains(r.stderr, "lookups failed") || !strings.Contains(r.stderr, "500 Internal Server Error: disk full on the proxy") {
		t.Errorf("outdated against a broken proxy: exit %d\n%s", r.code, r.stderr)
	}
}

// [remote] timeout bounds how long a remote that never answers is
// waited for, here 1s instead of the 30s default.
func TestRemoteTimeoutFromConfig(t *testing.T) {
	hangingRemote(t)
	start := time.Now()
	r := runCLI(t, "remote", "example.com/alpha")
	if took := time.Since(start); r.code != 1 || !strings.Contains(r.stdout+r.stderr, "timed out after 1s") || took > 20*time.Second {
		t.Errorf("exit %d after %v\n%s%s", r.code, took, r.stdout, r.stderr)
	}
}

func TestOutdated(t *testing.T) {
	isolate(t)
	fc := fixture.NewCache(t)
	fc.Proxy.Add(t,
		fixture.Mod{Path: "example.com/gamma/v2", Version: "v2.2.0"},
		fixture.Mod{Path: "example.com/Azure/Storage", Version: "v0.2.0-rc.1"}, // pre-release: not an upgrade
	)
	t.Setenv("GOMODCACHE", fc.Root)
	t.Setenv("GOPROXY", fc.Proxy.URL())
	t.Setenv("GOPRIVATE", "example.com/old")
	r := runCLI(t, "outdated", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rows []outdatedRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err)
	}
	byPath := map[string]outdatedRow{}
	for _, row := range rows {
		byPath[row.Path] = row
	}
	if g := byPath["example.com/gamma/v2"]; !g.Outdated || g.Local != "v2.1.0" && g.Local != "v2.0.0" || g.Latest != "v2.2.0" {
		t.Errorf("gamma: %+v", g)
	}
	if a := byPath["example.com/alpha"]; a.Outdated || a.Latest != "v1.2.0" {
		t.Errorf("alpha is current: %+v", a)
	}
	if az := byPath["example.com/Azure/Storage"]; az.Outdated {
		t.Errorf("a pre-release is not an upgrade: %+v", az)
	}
	if o := byPath["example.com/old"]; !o.Private || o.Outdated {
		t.Errorf("GOPRIVATE module should be skipped: %+v", o)
	}
	text := runCLI(t, "outdated", "example.com/gamma/*")
	if !strings.Contains(text.stdout, "example.com/gamma/v2") || strings.Contains(text.stdout, "alpha") {
		t.Errorf("pattern: %s", text.stdout)
	}
}

// The TUI's remote pane and prune's lookup share one breaker: a remote
// one of them found hanging is not waited for again by the other.
func TestTUIAndPruneShareTheBreaker(t *testing.T) {
	hangingRemote(t)
	a := newApp(strings.NewReader(""), io.Discard, io.Discard)
	opts, err := a.uiOptions()
	if err != nil {
		t.Fatal(err)
	}
	src := opts.Sources[0]
	if opts.Breaker.Down(src) != nil {
		t.Fatal("breaker tripped before anything was asked")
	}
	got := opts.Actions.Lookup(context.Background(), "example.com/alpha", []string{"v1.0.0"})
	if got.Err == nil || !strings.Contains(got.Err.Error(), "timed out") {
		t.Fatalf("lookup against a hanging remote: %+v", got)
	}
	if err := opts.Breaker.Down(src); err == nil {
		t.Error("prune's lookup tripped a breaker the remote pane does not see")
	}
}

// remoteAnswering points the CLI at a fixture cache and a GOPROXY whose
// every answer comes from h.
func remoteAnswering(t *testing.T, h http.HandlerFunc) {
	t.Helper()
	isolate(t)
	fc := fixture.NewCache(t)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Setenv("GOMODCACHE", fc.Root)
	t.Setenv("GOPROXY", srv.URL)
}

// hangingRemote points the CLI at a fixture cache and a GOPROXY that never
// answers, with [remote] timeout set to 1s instead of the 30s default.
func hangingRemote(t *testing.T) {
	t.Helper()
	isolate(t)
	fc := fixture.NewCache(t)
	if err := os.WriteFile(os.Getenv("MODCACHE_CONFIG"), []byte("[remote]\ntimeout = \"1s\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOMODCACHE", fc.Root)
	t.Setenv("GOPROXY", fixture.HangingServer(t))
}

// outdated waits for a GOPROXY that never answers once, not once per
// module: after the first timeout the rest are skipped at once.
func TestOutdatedWaitsForADeadRemoteOnce(t *testing.T) {
	hangingRemote(t)
	start := time.Now()
	r := runCLI(t, "outdated", "--jobs", "1", "--json")
	took := time.Since(start)
	var rows []outdatedRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("%v\n%s%s", err, r.stdout, r.stderr)
	}
	skipped := 0
	for _, row := range rows {
		if strings.HasPrefix(row.Error, "not asked: ") {
			skipped++
		}
	}
	if len(rows) < 3 || skipped != len(rows)-1 || took > time.Duration(len(rows)-1)*time.Second {
		t.Errorf("%d rows, %d skipped, after %v:\n%s", len(rows), skipped, took, r.stdout)
	}
}

// A module whose latest version GOPROXY does not tell is not up to date:
// outdated says what is unknown instead of "all at their latest version".
func TestOutdatedUnknownIsNotUpToDate(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"404":   http.NotFound,
		"html":  func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html><title>Sign in</title></html>") },
		"empty": func(w http.ResponseWriter, r *http.Request) {},
	} {
		t.Run(name, func(t *testing.T) {
			remoteAnswering(t, h)
			r := runCLI(t, "outdated", "--json")
			var rows []outdatedRow
			if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) == 0 {
				t.Fatalf("%v\n%s%s", err, r.stdout, r.stderr)
			}
			for _, row := range rows {
				if !row.Unknown || row.Outdated || row.NotFound != (name == "404") {
					t.Errorf("%+v", row)
				}
			}
			r = runCLI(t, "outdated")
			if strings.Contains(r.stdout, "at their latest") {
				t.Errorf("claims all are current:\n%s", r.stdout)
			}
			if name == "404" && (r.code != 0 || !strings.Contains(r.stdout, "?       not found on GOPROXY") || !strings.Contains(r.stdout, "latest version of "+fmt.Sprint(len(rows), " modules is unknown"))) {
				t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if name != "404" && r.code != 1 {
				t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

func TestOutdatedOneModule(t *testing.T) {
	isolate(t)
	fc := fixture.NewCache(t)
	t.Setenv("GOMODCACHE", fc.Root)
	t.Setenv("GOPROXY", fc.Proxy.URL())
	r := runCLI(t, "outdated", "example.com/alpha")
	if r.code != 0 || r.stdout != "the 1 module checked is at its latest version\n" {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// A dead GOPROXY fails every lookup the same way: outdated says so once,
// then how many modules it cost, not one line per module.
func TestOutdatedReportsARemoteFailureOnce(t *testing.T) {
	remoteAnswering(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream down", http.StatusBadGateway)
	})
	for _, jobs := range []string{"1", "32"} {
		r := runCLI(t, "outdated", "--jobs", jobs)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != 1 || len(lines) != 3 || strings.Count(r.stderr, "502 Bad Gateway: upstream down") != 1 ||
			!strings.Contains(r.stderr, "5 of 5 lookups failed") {
			t.Errorf("--jobs %s: exit %d\n%s", jobs, r.code, r.stderr)
		}
		if jobs == "1" && !strings.Contains(r.stderr, "4 modules not checked: GOPROXY failed (502 Bad Gateway)") {
			t.Errorf("--jobs 1: no count of the modules skipped:\n%s", r.stderr)
		}
	}
}
