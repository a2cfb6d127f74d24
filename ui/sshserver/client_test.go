package sshserver

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/ui"
	"github.com/modcache/modcache/ui/sshserver/sshtest"
)

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
	log   *sshtest.Buffer
	serve chan error // Serve's result
}

// startServer serves on a loopback port with the given authorized_keys
// content. The host key is generated under a temp XDG_CONFIG_HOME.
func startServer(t *testing.T, store *ui.Store, authorized string, tweak func(*Config)) *testServer {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	keys := filepath.Join(t.TempDir(), "authorized_keys")
	writeFile(t, keys, authorized)
	logBuf := &sshtest.Buffer{}
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

func (ts *testServer) dial(key ssh.Signer) (*ssh.Client, error) {
	return sshtest.Dial(ts.addr, ts.HostKey(), key)
}

func (ts *testServer) openTerm(t *testing.T, key ssh.Signer, w, h int, env ...string) *sshtest.Term {
	t.Helper()
	return sshtest.Open(t, ts.addr, ts.HostKey(), key, w, h, env...)
}
