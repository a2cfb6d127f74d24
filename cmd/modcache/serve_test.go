package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/fixture"
	"github.com/modcache/modcache/ui/sshserver/sshtest"
)

// served is `modcache serve` running in-process.
type served struct {
	addr   string
	stderr *sshtest.Buffer
	code   chan int
	stop   context.CancelFunc // what SIGTERM does: main cancels run's context
}

var listening = regexp.MustCompile(`over SSH on (\S+) \(host key SHA256:\S+\)`)

// startServe runs `modcache serve --ssh 127.0.0.1:0 args...` and waits
// until it listens.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	s := &served{stderr: &sshtest.Buffer{}, code: make(chan int, 1), stop: stop}
	args = append([]string{"serve", "--ssh", "127.0.0.1:0"}, args...)
	go func() { s.code <- run(ctx, args, strings.NewReader(""), io.Discard, s.stderr) }()
	t.Cleanup(func() {
		stop()
		select {
		case <-s.code:
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := listening.FindStringSubmatch(s.stderr.String()); m != nil {
			s.addr = m[1]
			return s
		}
		select {
		case code := <-s.code:
			t.Fatalf("serve exited %d before listening:\n%s", code, s.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never listened:\n%s", s.stderr)
		}
	}
}

// serveSetup is the standard cache with alpha v1.0.0 unused for 90 days,
// the environment pointing at it, and a [prune] policy that evicts what
// is unused for 30 days.
func serveSetup(t *testing.T, configExtra string) (*fixture.Cache, cache.Files) {
	t.Helper()
	isolate(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // the generated host key goes here
	fc := fixture.NewCache(t)
	useGoEnv(t, fc.Env)
	old, err := cache.PathsFor(fc.Root, "example.com/alpha", "v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	fc.Age(t, "example.com/alpha", "v1.0.0", time.Now().Add(-90*24*time.Hour))
	config := "[prune]\nttl = \"30d\"\n" + configExtra
	if err := os.WriteFile(os.Getenv("MODCACHE_CONFIG"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return fc, old
}

func TestServeUsage(t *testing.T) {
	isolate(t)
	keys := filepath.Join(t.TempDir(), "authorized_keys")
	if err := os.WriteFile(keys, []byte(sshtest.AuthorizedLine(sshtest.NewKey(t), "")), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serve", "--authorized-keys", keys}, 2, "serve needs --ssh ADDR"},
		{[]string{"serve", "--ssh", "127.0.0.1:0"}, 2, "serve needs --authorized-keys FILE"},
		{[]string{"serve", "--ssh", "127.0.0.1:0", "--authorized-keys", keys, "--max-sessions", "0"}, 2, "invalid --max-sessions 0"},
		{[]string{"serve", "--ssh", "127.0.0.1:0", "--authorized-keys", keys, "--idle-timeout", "soon"}, 2, `invalid duration "soon"`},
		{[]string{"serve", "--ssh", "127.0.0.1:0", "--authorized-keys", keys + ".missing"}, 1, "authorized keys: open"},
		{[]string{"serve", "--ssh", "127.0.0.1:0", "--authorized-keys", keys, "--host-key", keys + ".missing"}, 1, "host key: open"},
	} {
		r := runCLI(t, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.code, tc.want)
		}
	}
}

// The whole command: a read-only key cannot prune even by pressing the
// keys, a modcache-write key prunes with P then enter, another session
// sees the result, every session is logged to the [serve] log, and
// cancelling the context (SIGTERM) ends the sessions and exits 0.
func TestServeSSHPrune(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "sessions.log")
	fc, old := serveSetup(t, "[serve]\nlog = \""+logFile+"\"\n")
	reader, writer := sshtest.NewKey(t), sshtest.NewKey(t)
	keys := filepath.Join(t.TempDir(), "authorized_keys")
	authorized := sshtest.AuthorizedLine(reader, "") + sshtest.AuthorizedLine(writer, "modcache-write")
	if err := os.WriteFile(keys, []byte(authorized), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, "--authorized-keys", keys)
	if !strings.Contains(srv.stderr.String(), fc.Root) {
		t.Errorf("the start line does not name the cache:\n%s", srv.stderr)
	}
	if !pathExists(filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "modcache", "ssh_host_ed25519_key")) {
		t.Error("no host key generated in the config dir")
	}

	watcher := sshtest.Open(t, srv.addr, nil, reader, 100, 30)
	watcher.WaitFor(0, "5 modules", "example.com/alpha")
	treeSize := regexp.MustCompile(`tree (\S+)`)
	before := treeSize.FindStringSubmatch(watcher.Screen("tree "))[1]

	ro := sshtest.Open(t, srv.addr, nil, reader, 100, 30)
	ro.WaitFor(0, "5 modules")
	ro.Keys("P", "\r")
	ro.Screen("read-only session: prune is not allowed")
	time.Sleep(300 * time.Millisecond) // time for a prune, were one running
	if !pathExists(old.Tree) || !pathExists(old.Zip) {
		t.Fatal("a read-only session pruned")
	}

	rw := sshtest.Open(t, srv.addr, nil, writer, 100, 30)
	rw.WaitFor(0, "5 modules")
	rw.Keys("P")
	rw.Screen("policy ttl 30d", "example.com/alpha@v1.0.0", "enter prune")
	rw.Keys("\r")
	rw.Screen("freed")
	if pathExists(old.Tree) || !pathExists(old.Zip) {
		t.Errorf("prune: tree exists %v, zip exists %v; want the old tree gone and its zip kept", pathExists(old.Tree), pathExists(old.Zip))
	}
	if cur, _ := cache.PathsFor(fc.Root, "example.com/alpha", "v1.2.0"); !pathExists(cur.Tree) {
		t.Error("prune removed a version in use")
	}

	// The other session's header shows the smaller cache, with no rescan.
	deadline := time.Now().Add(sshtest.Timeout)
	for {
		after := treeSize.FindStringSubmatch(watcher.Screen("tree "))[1]
		if after != before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the watching session still shows tree %s after the prune", after)
		}
	}

	srv.stop()
	select {
	case code := <-srv.code:
		srv.code <- code
		if code != 0 {
			t.Errorf("serve exited %d after SIGTERM, want 0:\n%s", code, srv.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	for _, tm := range []*sshtest.Term{watcher, ro, rw} {
		if st := tm.Exit(); st != 1 || !strings.Contains(tm.Stderr.String(), "shutting down") {
			t.Errorf("at shutdown: exit status %d, stderr %q", st, tm.Stderr.String())
		}
	}

	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 session lines in the log, got:\n%s", data)
	}
	var writes int
	for _, l := range lines {
		if strings.Contains(l, "write=true") {
			writes++
			if !strings.Contains(l, `actions="prune: 1 items`) {
				t.Errorf("the write session's line lacks its prune:\n%s", l)
			}
		} else if !strings.Contains(l, `actions=""`) {
			t.Errorf("a read-only session logged actions:\n%s", l)
		}
	}
	if writes != 1 {
		t.Errorf("%d sessions logged as write sessions, want 1:\n%s", writes, data)
	}
}
