package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/modcache/modcache/internal/fixture"
)

func sortedKeys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func TestDuJSON(t *testing.T) {
	isolate(t)
	fc := fixture.NewCache(t)
	t.Setenv("GOMODCACHE", fc.Root)
	r := runCLI(t, "du", "--json")
	if r.code != 0 {
		t.Fatalf("du --json: exit %d\n%s", r.code, r.stderr)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("du --json is not JSON: %v\n%s", err, r.stdout)
	}
	for _, k := range []string{"root", "totalBytes", "freeBytes", "modules"} {
		if _, ok := out[k]; !ok {
			t.Errorf("du --json lacks %q: has %v", k, sortedKeys(out))
		}
	}
	if out["root"] != fc.Root {
		t.Errorf("root = %v", out["root"])
	}
	du, err := exec.Command("du", "-sB1", fc.Root).Output()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := strconv.ParseFloat(strings.Fields(string(du))[0], 64)
	if got := out["totalBytes"].(float64); got != want {
		t.Errorf("totalBytes %v, du -sB1 %v", got, want)
	}
	mods := out["modules"].([]any)
	if len(mods) != 5 {
		t.Fatalf("%d modules, want 5", len(mods))
	}
	first := mods[0].(map[string]any)
	if keys := sortedKeys(first); !reflect.DeepEqual(keys, []string{"bytes", "downloaded", "lastUsed", "path", "versions"}) {
		t.Errorf("module keys %v", keys)
	}
	// Sorted by size, biggest first: alpha's three versions outweigh the rest.
	if first["path"] != "example.com/alpha" || first["versions"].(float64) != 3 {
		t.Errorf("first module %v", first)
	}
}

func TestDuText(t *testing.T) {
	isolate(t)
	fc := fixture.NewCache(t)
	r := runCLI(t, "du", "--modcache", fc.Root, "--sort", "name", "--top", "2")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{fc.Root, "total", "extracted", "zips", "free", "example.com/Azure/Storage", "example.com/alpha", "and 3 more modules"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("du output lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestLsJSON(t *testing.T) {
	isolate(t)
	fc := fixture.NewCache(t)
	t.Setenv("GOMODCACHE", fc.Root)
	r := runCLI(t, "ls", "--json", "example.com/alpha@v1.2.0", "example.com/beta")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var out []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 {
		t.Fatalf("%d versions, want alpha v1.2.0 and beta's two:\n%s", len(out), r.stdout)
	}
	want := []string{"downloaded", "files", "lastUsed", "metaBytes", "path", "published", "state", "treeBytes", "version", "zipBytes"}
	if keys := sortedKeys(out[0]); !reflect.DeepEqual(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
	if out[0]["state"] != "complete" || out[1]["state"] != "mod" || out[1]["version"] != "v1.0.0" {
		t.Errorf("states: %v / %v", out[0], out[1])
	}
	if out[1]["published"] != nil || out[1]["treeBytes"].(float64) != 0 {
		t.Errorf("mod-only version should have no tree and unknown publish time: %v", out[1])
	}
}

func TestLsText(t *testing.T) {
	isolate(t)
	fc := fixture.NewCache(t)
	r := runCLI(t, "ls", "--modcache", fc.Root, "example.com/Azure/*")
	if r.code != 0 || !strings.Contains(r.stdout, "example.com/Azure/Storage") || !strings.Contains(r.stdout, "complete") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "example.com/alpha") {
		t.Errorf("pattern matched too much:\n%s", r.stdout)
	}
}

func TestExitCodesAndErrors(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"du", "--sort", "bogus"}, 2, `invalid --sort "bogus"`},
		{[]string{"du", "--top", "-1"}, 2, "invalid --top"},
		{[]string{"du", "--nope"}, 2, "unknown flag"},
		{[]string{"du", "extra"}, 2, "unknown command"},
		{[]string{"ls", "[bad"}, 2, "invalid pattern"},
		{[]string{"du", "--modcache", "relative/dir"}, 2, "is relative"},
		{[]string{"du", "--modcache", filepath.Join(dir, "missing")}, 1, "does not exist"},
	} {
		r := runCLI(t, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.msg) {
			t.Errorf("modcache %v: exit %d, stderr %q; want exit %d and %q", tc.args, r.code, r.stderr, tc.code, tc.msg)
		}
	}
	for _, cmd := range []string{"du", "ls"} {
		r := runCLI(t, cmd, "--help")
		if r.code != 0 || !strings.Contains(r.stdout, "Examples:") {
			t.Errorf("%s --help: exit %d\n%s", cmd, r.code, r.stdout)
		}
	}
}

func TestMalformedConfigNamesFileLineKey(t *testing.T) {
	isolate(t)
	fc := fixture.NewCache(t)
	cfg := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(cfg, []byte("[prune]\nttl = \"30d\"\nkeep-fre = \"10%\"\n"), 0o600)
	r := runCLI(t, "--config", cfg, "--modcache", fc.Root, "du")
	// du does not need the config, so it still works...
	if r.code != 0 {
		t.Errorf("du with a bad (unused) config: exit %d %s", r.code, r.stderr)
	}
	// ...but anything that reads it reports file, line and key.
	a := newApp(nil, os.Stdout, os.Stderr)
	a.configFlag = cfg
	_, err := a.config()
	if err == nil || !strings.Contains(err.Error(), cfg+":3: unknown key \"prune.keep-fre\"") {
		t.Errorf("config error = %v", err)
	}
}
