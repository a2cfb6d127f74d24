package sshserver

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"golang.org/x/crypto/ssh"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/fixture"
	"github.com/modcache/modcache/ui"

	"github.com/modcache/modcache/ui/sshserver/sshtest"
)

// fixtureRoot is one go-built module cache that every test here reads;
// none changes it on disk, so building it once keeps the package fast.
var fixtureRoot string

func TestMain(m *testing.M) {
	tb := fixture.NewProgramTB()
	fixtureRoot = fixture.NewCache(tb).Root
	code := m.Run()
	tb.Close()
	os.Exit(code)
}

// The first screen is the TUI for the client's pty size, and a
// window-change redraws it for the new size.
func TestServeScreenAndResize(t *testing.T) {
	store := scannedStore(t)
	alice := sshtest.NewKey(t)
	ts := startServer(t, store, sshtest.AuthorizedLine(alice, ""), nil)
	tm := ts.openTerm(t, alice, 80, 24)

	s := tm.WaitFor(0, "modcache", "LOCAL", "5 modules", "example.com/alpha", "example.com/gamma/v2")
	// At 80 columns the left pane is too narrow for the version count.
	if strings.Contains(s, "VERS") {
		t.Errorf("VERS column at 80 columns:\n%s", s)
	}
	mark := tm.Resize(120, 40)
	s = tm.WaitFor(mark, "VERS", "example.com/alpha")
	if !strings.Contains(s, "LOCAL") {
		t.Errorf("no full redraw after the window change:\n%s", s)
	}
	tm.Keys("q")
	if st := tm.Exit(); st != 0 {
		t.Errorf("q: exit status %d, want 0", st)
	}
}

// The program draws with the client's colour profile (from its TERM and
// env requests), not the server's.
func TestServeClientColourProfile(t *testing.T) {
	store := scannedStore(t)
	alice := sshtest.NewKey(t)
	ts := startServer(t, store, sshtest.AuthorizedLine(alice, ""), nil)

	t.Setenv("NO_COLOR", "1") // the server's environment must not count
	colour := ts.openTerm(t, alice, 80, 24, "COLORTERM=truecolor")
	colour.WaitFor(0, "example.com/alpha")
	if out := colour.Out.String(); !strings.Contains(out, "38;2;") {
		t.Errorf("COLORTERM=truecolor client got no 24-bit colour:\n%q", out)
	}

	t.Setenv("NO_COLOR", "")
	t.Setenv("COLORTERM", "truecolor")
	plain := ts.openTerm(t, alice, 80, 24, "NO_COLOR=1")
	plain.WaitFor(0, "example.com/alpha")
	if out := plain.Out.String(); strings.Contains(out, "38;2;") || strings.Contains(out, "38;5;") {
		t.Errorf("NO_COLOR=1 client got colours:\n%q", out)
	}
}

// A key without the write option gets a read-only UI: the write actions
// are not in the help, and pressing their keys anyway is refused. A key
// with modcache-write, or any key when the server allows writes, gets
// them. NewOptions learns which, but cannot grant writes by mistake.
func TestServeReadOnlyUnlessWriteKey(t *testing.T) {
	store := scannedStore(t)
	reader, writer := sshtest.NewKey(t), sshtest.NewKey(t)
	authorized := sshtest.AuthorizedLine(reader, "") + sshtest.AuthorizedLine(writer, "restrict,pty,"+WriteOption)
	var mu sync.Mutex
	var asked []bool
	newOptions := func(write bool) ui.Options {
		mu.Lock()
		asked = append(asked, write)
		mu.Unlock()
		return ui.Options{Store: store} // ReadOnly left false on purpose
	}
	ts := startServer(t, store, authorized, func(c *Config) { c.NewOptions = newOptions })

	ro := ts.openTerm(t, reader, 100, 30)
	s := ro.WaitFor(0, "example.com/alpha", "q quit")
	if strings.Contains(s, "prune") {
		t.Errorf("read-only help offers prune:\n%s", s)
	}
	ro.Keys("P")
	ro.Screen("read-only session: prune is not allowed")

	rw := ts.openTerm(t, writer, 100, 30)
	rw.WaitFor(0, "example.com/alpha", "P prune")

	all := startServer(t, store, sshtest.AuthorizedLine(reader, ""), func(c *Config) {
		c.NewOptions, c.AllowWrite = newOptions, true
	})
	all.openTerm(t, reader, 100, 30).WaitFor(0, "example.com/alpha", "P prune")

	mu.Lock()
	defer mu.Unlock()
	if want := []bool{false, true, true}; !slices.Equal(asked, want) {
		t.Errorf("NewOptions(write) got %v, want %v", asked, want)
	}
}

// An unknown key is refused at login, and so is a key removed from
// authorized_keys while the server runs.
func TestServeUnknownKeyRejected(t *testing.T) {
	store := scannedStore(t)
	alice, mallory := sshtest.NewKey(t), sshtest.NewKey(t)
	ts := startServer(t, store, sshtest.AuthorizedLine(alice, ""), nil)

	if c, err := ts.dial(mallory); err == nil {
		c.Close()
		t.Fatal("unknown key logged in")
	} else if !strings.Contains(err.Error(), "unable to authenticate") {
		t.Errorf("unknown key: %v", err)
	}
	c, err := ts.dial(alice)
	if err != nil {
		t.Fatalf("authorized key: %v", err)
	}
	c.Close()

	writeFile(t, ts.keys, sshtest.AuthorizedLine(mallory, ""))
	if c, err := ts.dial(alice); err == nil {
		c.Close()
		t.Error("a key removed from authorized_keys still logs in")
	}
}

// A session without a pty gets one line and exit status 1; exec and
// subsystem requests are refused.
func TestServeNoPty(t *testing.T) {
	store := scannedStore(t)
	alice := sshtest.NewKey(t)
	ts := startServer(t, store, sshtest.AuthorizedLine(alice, ""), nil)
	client, err := ts.dial(alice)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	sess.Stdout, sess.Stderr = &stdout, &stderr
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	var ee *ssh.ExitError
	if err := sess.Wait(); !errors.As(err, &ee) || ee.ExitStatus() != 1 {
		t.Errorf("no pty: %v, want exit status 1", err)
	}
	if got := stdout.String() + stderr.String(); got != noPtyMessage+"\n" {
		t.Errorf("no pty: got %q, want the one line %q", got, noPtyMessage)
	}

	sess, err = client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Run("ls /"); err == nil {
		t.Error("exec ran")
	}
	sess, err = client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestSubsystem("sftp"); err == nil {
		t.Error("the sftp subsystem started")
	}
}

// ctrl+c quits only its own session, with exit status 0, and the session
// is logged as one line: key fingerprint, address, duration, actions.
func TestServeCtrlCEndsOnlyThatSession(t *testing.T) {
	store := scannedStore(t)
	alice, bob := sshtest.NewKey(t), sshtest.NewKey(t)
	ts := startServer(t, store, sshtest.AuthorizedLine(alice, "")+sshtest.AuthorizedLine(bob, WriteOption), nil)
	a := ts.openTerm(t, alice, 80, 24)
	b := ts.openTerm(t, bob, 80, 24)
	a.WaitFor(0, "example.com/alpha")
	b.WaitFor(0, "example.com/alpha")

	a.Keys("\x03")
	if st := a.Exit(); st != 0 {
		t.Errorf("ctrl+c: exit status %d, want 0", st)
	}
	// b still runs: it redraws on request and takes keys.
	b.Screen("LOCAL", "example.com/alpha")
	b.Keys("?")
	b.Screen("Keys", "any key closes this")

	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(ts.log.String(), "msg=session") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	lines := strings.Split(strings.TrimSpace(ts.log.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one log line for the ended session, got:\n%s", ts.log)
	}
	for _, want := range []string{
		"key=" + ssh.FingerprintSHA256(alice.PublicKey()), "user=tester", "remote=127.0.0.1:",
		"write=false", "duration=", "actions=", "end=quit",
	} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("log line lacks %q:\n%s", want, lines[0])
		}
	}
}

// Closing the server (what SIGTERM does) quits every program, restoring
// each client's screen, then ends each channel with an exit status and a
// reason, and Serve returns nil.
func TestServeShutdownEndsSessions(t *testing.T) {
	store := scannedStore(t)
	alice := sshtest.NewKey(t)
	ts := startServer(t, store, sshtest.AuthorizedLine(alice, ""), nil)
	var terms []*sshtest.Term
	for range 3 {
		tm := ts.openTerm(t, alice, 80, 24)
		tm.WaitFor(0, "example.com/alpha")
		terms = append(terms, tm)
	}
	// A logged-in connection with no session must not hold shutdown up.
	idle, err := ts.dial(alice)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()

	start := time.Now()
	closed := make(chan struct{})
	go func() { ts.Close(); close(closed) }()
	for i, tm := range terms {
		if st := tm.Exit(); st != 1 {
			t.Errorf("session %d: exit status %d, want 1", i, st)
		}
		if !strings.Contains(tm.Stderr.String(), "the server is shutting down") {
			t.Errorf("session %d: stderr %q", i, tm.Stderr.String())
		}
		// The program left the alternate screen before the channel closed.
		if out := tm.Out.String(); !strings.Contains(out, ansi.ResetModeAltScreenSaveCursor) {
			t.Errorf("session %d: alternate screen not left", i)
		}
	}
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	select {
	case err := <-ts.serve:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
	if d := time.Since(start); d > quitGrace+lingerTimeout+time.Second {
		t.Errorf("shutdown took %v", d)
	}
	if n := strings.Count(ts.log.String(), "end=shutdown"); n != 3 {
		t.Errorf("%d sessions logged as ended by shutdown, want 3:\n%s", n, ts.log)
	}
	if _, err := ts.dial(alice); err == nil {
		t.Error("the server still accepts connections")
	}
}

// A session with no input for IdleTimeout is closed; typing keeps it open.
func TestServeIdleTimeout(t *testing.T) {
	store := scannedStore(t)
	alice := sshtest.NewKey(t)
	const idle = 1500 * time.Millisecond
	ts := startServer(t, store, sshtest.AuthorizedLine(alice, ""), func(c *Config) { c.IdleTimeout = idle })
	tm := ts.openTerm(t, alice, 80, 24)
	tm.WaitFor(0, "example.com/alpha")
	for range 8 { // 2.4 s of typing, well past the timeout
		tm.Keys("j")
		time.Sleep(270 * time.Millisecond)
	}
	if tm.Ended() {
		t.Fatalf("session ended while typing (status %d)", tm.Exit())
	}
	start := time.Now()
	if st := tm.Exit(); st != 1 {
		t.Errorf("idle: exit status %d, want 1", st)
	}
	if d := time.Since(start); d > idle+quitGrace {
		t.Errorf("idle session closed after %v", d)
	}
	if !strings.Contains(tm.Stderr.String(), "without input") {
		t.Errorf("idle: stderr %q", tm.Stderr.String())
	}
}

// Sessions beyond MaxSessions are refused until one ends.
func TestServeMaxSessions(t *testing.T) {
	store := scannedStore(t)
	alice := sshtest.NewKey(t)
	ts := startServer(t, store, sshtest.AuthorizedLine(alice, ""), func(c *Config) { c.MaxSessions = 1 })
	first := ts.openTerm(t, alice, 80, 24)
	first.WaitFor(0, "example.com/alpha")

	client, err := ts.dial(alice)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if _, err := client.NewSession(); err == nil || !strings.Contains(err.Error(), "too many sessions") {
		t.Fatalf("second session: %v, want too many sessions", err)
	}
	first.Keys("q")
	first.Exit()
	deadline := time.Now().Add(5 * time.Second)
	for {
		sess, err := client.NewSession()
		if err == nil {
			sess.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no session after the first ended: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Several sessions share one store: a change one of them makes (a prune
// replaces the store's cache) reaches every screen, with no session
// rescanning, and nothing races.
func TestServeConcurrentSessionsShareStore(t *testing.T) {
	store := scannedStore(t)
	alice, bob := sshtest.NewKey(t), sshtest.NewKey(t)
	ts := startServer(t, store, sshtest.AuthorizedLine(alice, "")+sshtest.AuthorizedLine(bob, WriteOption), nil)
	var terms []*sshtest.Term
	for i := range 4 {
		key := alice
		if i == 0 {
			key = bob
		}
		tm := ts.openTerm(t, key, 80+10*i, 24)
		tm.WaitFor(0, "5 modules")
		terms = append(terms, tm)
	}
	// Every session moves and filters at once while the store changes.
	for _, tm := range terms {
		tm.Keys("j", "j", "s")
	}
	gen := store.State().Gen
	store.Update(func(c *cache.Cache) {
		c.Modules = slices.DeleteFunc(c.Modules, func(m *cache.Module) bool { return m.Path == "example.com/old" })
	})
	for _, tm := range terms {
		tm.Screen("4 modules")
	}
	if st := store.State(); st.Scanning || st.Gen != gen+1 {
		t.Errorf("a session touched the store: gen %d → %d, scanning %v", gen, st.Gen, st.Scanning)
	}
}

// A connection gets six key attempts by default, as with sshd: an
// authorized key offered after six unknown ones is too late.
func TestServeMaxAuthTries(t *testing.T) {
	store := scannedStore(t)
	alice := sshtest.NewKey(t)
	ts := startServer(t, store, sshtest.AuthorizedLine(alice, ""), nil)
	login := func(unknown int) error {
		var keys []ssh.Signer
		for range unknown {
			keys = append(keys, sshtest.NewKey(t))
		}
		c, err := ssh.Dial("tcp", ts.addr, &ssh.ClientConfig{
			User:            "tester",
			Auth:            []ssh.AuthMethod{ssh.PublicKeys(append(keys, alice)...)},
			HostKeyCallback: ssh.FixedHostKey(ts.HostKey()),
		})
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := login(5); err != nil {
		t.Errorf("after 5 unknown keys: %v", err)
	}
	if err := login(6); err == nil || !strings.Contains(err.Error(), "too many authentication failures") {
		t.Errorf("after 6 unknown keys: %v, want too many authentication failures", err)
	}
}
