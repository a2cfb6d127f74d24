// Package sshtest is an SSH client for tests of modcache's SSH server: it
// makes keys, logs in, opens a session on a pty and reads what the TUI
// draws, as a person at a terminal would see it.
package sshtest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"golang.org/x/crypto/ssh"
)

// NewKey makes a client key.
func NewKey(t testing.TB) ssh.Signer {
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

// AuthorizedLine is key's authorized_keys line, with options (such as
// "modcache-write") in front.
func AuthorizedLine(key ssh.Signer, options string) string {
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key.PublicKey())))
	if options != "" {
		line = options + " " + line
	}
	return line + "\n"
}

// Dial logs in to addr with key as user "tester". hostKey, when not nil,
// is the host key the server must present.
func Dial(addr string, hostKey ssh.PublicKey, key ssh.Signer) (*ssh.Client, error) {
	check := ssh.InsecureIgnoreHostKey()
	if hostKey != nil {
		check = ssh.FixedHostKey(hostKey)
	}
	return ssh.Dial("tcp", addr, &ssh.ClientConfig{
		User:            "tester",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(key)},
		HostKeyCallback: check,
		Timeout:         10 * time.Second,
	})
}

// Timeout bounds every wait for the screen.
const Timeout = 20 * time.Second

// Term is one interactive session as its client sees it.
type Term struct {
	t      testing.TB
	sess   *ssh.Session
	in     io.Writer
	Out    *Buffer // everything the program drew
	Stderr *Buffer
	w, h   int
	done   chan error // the session's end
}

// Open logs in and starts a shell on a w×h xterm-256color pty. env
// ("NAME=value") is sent as env requests first.
func Open(t testing.TB, addr string, hostKey ssh.PublicKey, key ssh.Signer, w, h int, env ...string) *Term {
	t.Helper()
	client, err := Dial(addr, hostKey, key)
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
	tm := &Term{t: t, sess: sess, Out: &Buffer{}, Stderr: &Buffer{}, w: w, h: h, done: make(chan error, 1)}
	sess.Stdout, sess.Stderr = tm.Out, tm.Stderr
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

// Mark is the current end of the output, for WaitFor.
func (tm *Term) Mark() int { return tm.Out.Len() }

// WaitFor waits until the output after mark holds every want, and returns
// that output without escape sequences.
func (tm *Term) WaitFor(mark int, want ...string) string {
	tm.t.Helper()
	deadline := time.Now().Add(Timeout)
	for {
		s := ansi.Strip(tm.Out.Since(mark))
		missing := Missing(s, want...)
		if missing == "" {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the session never showed %q; it got:\n%s", missing, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Screen waits until a fresh drawing of the whole screen holds every
// want, and returns it. The renderer sends only what changed, so each try
// sends a window-change of the same size, which makes it draw everything.
func (tm *Term) Screen(want ...string) string {
	tm.t.Helper()
	deadline := time.Now().Add(Timeout)
	for {
		mark := tm.Resize(tm.w, tm.h)
		time.Sleep(150 * time.Millisecond)
		s := ansi.Strip(tm.Out.Since(mark))
		missing := Missing(s, want...)
		if missing == "" {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the screen never showed %q; last drawing:\n%s", missing, s)
		}
	}
}

// Resize sends a window-change and returns the mark before it.
func (tm *Term) Resize(w, h int) int {
	tm.t.Helper()
	mark := tm.Mark()
	tm.w, tm.h = w, h
	if err := tm.sess.WindowChange(h, w); err != nil {
		tm.t.Fatalf("window-change: %v", err)
	}
	return mark
}

// Keys types raw bytes: "P", "\r" (enter), "\x03" (ctrl+c).
func (tm *Term) Keys(ks ...string) {
	tm.t.Helper()
	for _, k := range ks {
		if _, err := tm.in.Write([]byte(k)); err != nil {
			tm.t.Fatalf("typing %q: %v", k, err)
		}
		// Separate presses, as a person types: keys glued together
		// could read as one escape sequence.
		time.Sleep(30 * time.Millisecond)
	}
}

// Ended reports whether the session has ended, without waiting.
func (tm *Term) Ended() bool {
	select {
	case err := <-tm.done:
		tm.done <- err
		return true
	default:
		return false
	}
}

// Exit waits for the session to end and returns its exit status: -1 when
// the server sent none.
func (tm *Term) Exit() int {
	tm.t.Helper()
	select {
	case err := <-tm.done:
		tm.done <- err
		var ee *ssh.ExitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &ee):
			return ee.ExitStatus()
		}
		return -1
	case <-time.After(Timeout):
		tm.t.Fatal("the session did not end")
		return -1
	}
}

// Missing returns the first want s lacks, or "".
func Missing(s string, want ...string) string {
	for _, w := range want {
		if !strings.Contains(s, w) {
			return w
		}
	}
	return ""
}

// Buffer is a bytes.Buffer that one goroutine writes while others read.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Len is the number of bytes written so far.
func (b *Buffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Len()
}

// Since returns what was written after the first n bytes.
func (b *Buffer) Since(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.b.Bytes()[n:])
}
