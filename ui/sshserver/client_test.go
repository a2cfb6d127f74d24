package sshserver

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"golang.org/x/crypto/ssh"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/ui"
)

// newKey makes a client key.
func newKey(t testing.TB) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// authorizedLine is key's authorized_keys line, with options in front.
func authorizedLine(key ssh.Signer, options string) string {
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key.PublicKey())))
	if options != "" {
		line = options + " " + line
	}
	return line + "\n"
}

func writeFile(t testing.TB, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// scannedStore is a store over the shared fixture cache, scanned to the
// end, as the server's is before people log in.
func scannedStore(t testing.TB) *ui.Store {
	t.Helper()
	store := ui.NewStore(fixtureRoot, cache.ScanOptions{IndexDir: t.TempDir()})
	store.Rescan()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st := store.State()
		if !st.Scanning && st.Cache != nil {
			return store
		}
		if st.Err != nil || time.Now().After(deadline) {
			t.Fatalf("scan: %v", st.Err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// testServer is a running server and what it was started with.
type testServer struct {
	*Server
	addr  string
	keys  string // authorized_keys path
	log   *syncBuffer
	serve chan error // Serve's result
}

// startServer serves on a loopback port with the given authorized_keys
// content. The host key is generated under a temp XDG_CONFIG_HOME.
func startServer(t *testing.T, store *ui.Store, authorized string, tweak func(*Config)) *testServer {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	keys := filepath.Join(t.TempDir(), "authorized_keys")
	writeFile(t, keys, authorized)
	logBuf := &syncBuffer{}
	cfg := Config{
		AuthorizedKeys: keys,
		Log:            logBuf,
		NewOptions: func(write bool) ui.Options {
			return ui.Options{Store: store}
		},
	}
	if tweak != nil {
		tweak(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{Server: srv, addr: ln.Addr().String(), keys: keys, log: logBuf, serve: make(chan error, 1)}
	go func() { ts.serve <- srv.Serve(context.Background(), ln) }()
	t.Cleanup(func() { srv.Close() })
	return ts
}

// dial logs in with key, checking the host key the server announced.
func (ts *testServer) dial(key ssh.Signer) (*ssh.Client, error) {
	return ssh.Dial("tcp", ts.addr, &ssh.ClientConfig{
		User:            "tester",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(key)},
		HostKeyCallback: ssh.FixedHostKey(ts.HostKey()),
		Timeout:         10 * time.Second,
	})
}

// term is one interactive session as a client sees it.
type term struct {
	t    *testing.T
	sess *ssh.Session
	in   interface{ Write([]byte) (int, error) }
	out  *syncBuffer
	errb *syncBuffer
	w, h int
	done chan error // Wait's result
}

// openTerm logs in with key and starts a shell on a w×h pty; env is
// sent as env requests before the pty.
func (ts *testServer) openTerm(t *testing.T, key ssh.Signer, w, h int, env ...string) *term {
	t.Helper()
	client, err := ts.dial(key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if err := sess.Setenv(k, v); err != nil {
			t.Fatalf("env %s: %v", k, err)
		}
	}
	tm := &term{t: t, sess: sess, out: &syncBuffer{}, errb: &syncBuffer{}, w: w, h: h, done: make(chan error, 1)}
	sess.Stdout, sess.Stderr = tm.out, tm.errb
	if tm.in, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", h, w, ssh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	go func() { tm.done <- sess.Wait() }()
	return tm
}

// waitFor waits until the output since the last mark holds every want,
// and returns that output without escape sequences.
func (tm *term) waitFor(since int, want ...string) string {
	tm.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := ansi.Strip(tm.out.since(since))
		if missing := missingOf(s, want); missing == "" {
			return s
		} else if time.Now().After(deadline) {
			tm.t.Fatalf("the session never showed %q; it got:\n%s", missing, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// screen waits until a fresh full drawing of the screen holds every
// want. The renderer only redraws what changed, so each try sends a
// window-change of the same size, which makes it draw everything again.
func (tm *term) screen(want ...string) string {
	tm.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		mark := tm.out.len()
		if err := tm.sess.WindowChange(tm.h, tm.w); err != nil {
			tm.t.Fatalf("window-change: %v", err)
		}
		time.Sleep(150 * time.Millisecond)
		s := ansi.Strip(tm.out.since(mark))
		missing := missingOf(s, want)
		if missing == "" {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the screen never showed %q; last drawing:\n%s", missing, s)
		}
	}
}

func (tm *term) resize(w, h int) int {
	tm.t.Helper()
	mark := tm.out.len()
	tm.w, tm.h = w, h
	if err := tm.sess.WindowChange(h, w); err != nil {
		tm.t.Fatalf("window-change: %v", err)
	}
	return mark
}

// keys types raw bytes: "P", "\r" (enter), "\x03" (ctrl+c).
func (tm *term) keys(ks ...string) {
	tm.t.Helper()
	for _, k := range ks {
		if _, err := tm.in.Write([]byte(k)); err != nil {
			tm.t.Fatalf("typing %q: %v", k, err)
		}
		// Separate presses, as a person types: a lone ESC or a key
		// glued to the next could read as one sequence.
		time.Sleep(30 * time.Millisecond)
	}
}

// exit waits for the session to end and returns its exit status (-1 when
// the server sent none).
func (tm *term) exit() int {
	tm.t.Helper()
	select {
	case err := <-tm.done:
		var ee *ssh.ExitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &ee):
			return ee.ExitStatus()
		}
		return -1
	case <-time.After(15 * time.Second):
		tm.t.Fatal("the session did not end")
		return -1
	}
}

func missingOf(s string, want []string) string {
	for _, w := range want {
		if !strings.Contains(s, w) {
			return w
		}
	}
	return ""
}

// syncBuffer is a bytes.Buffer for one writer and many readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func (b *syncBuffer) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Len()
}

func (b *syncBuffer) since(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.b.Bytes()[n:])
}
