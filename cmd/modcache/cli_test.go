package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// result is what one in-process run of the CLI printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// runCLI runs modcache in-process with args. Tests set the environment
// (GOMODCACHE, GOPROXY, MODCACHE_INDEX_DIR, ...) with t.Setenv.
func runCLI(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return result{out.String(), errb.String(), code}
}

// isolate points the config and index at temp dirs so tests never read
// or write the user's.
func isolate(t *testing.T) {
	t.Helper()
	t.Setenv("MODCACHE_INDEX_DIR", t.TempDir())
	t.Setenv("MODCACHE_CONFIG", t.TempDir()+"/config.toml")
	t.Setenv("NO_COLOR", "1")
}

// outdated compares modules: a pattern with a version is a usage error,
// not a silent empty answer.
func TestOutdatedRefusesVersionPattern(t *testing.T) {
	isolate(t)
	r := runCLI(t, "outdated", "--modcache", t.TempDir(), "golang.org/x/*@v1.*")
	if r.code != 2 || !strings.Contains(r.stderr, "without @VERSION") {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
}

// "import BUNDLE --modcache" (no directory) is a usage error that says
// what --modcache wants and that the default cache needs no flag.
func TestModcacheFlagWithoutDir(t *testing.T) {
	isolate(t)
	r := runCLI(t, "import", "deps.tar.gz", "--modcache")
	if r.code != 2 || !strings.Contains(r.stderr, "--modcache needs a DIR") || !strings.Contains(r.stderr, "leave it out") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
}

// An empty --modcache is bad usage, not a silent fallback to go env
// GOMODCACHE (a relative one is in TestExitCodesAndErrors).
func TestModcacheFlagEmpty(t *testing.T) {
	isolate(t)
	r := runCLI(t, "du", "--modcache", "")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--modcache is empty") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
}
