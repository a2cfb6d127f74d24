package sshserver

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modcache/modcache/ui"

	"github.com/modcache/modcache/ui/sshserver/sshtest"
)

// With no host key given, the first start generates an ed25519 key in the
// user config dir, readable by the owner only, and later starts reuse it.
// A key file named explicitly must exist.
func TestServeHostKey(t *testing.T) {
	config := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", config)
	keys := filepath.Join(t.TempDir(), "authorized_keys")
	writeFile(t, keys, sshtest.AuthorizedLine(sshtest.NewKey(t), ""))
	cfg := Config{AuthorizedKeys: keys, NewOptions: func(bool) ui.Options { return ui.Options{} }}

	first, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(config, "modcache", "ssh_host_ed25519_key")
	if got, _ := DefaultHostKeyPath(); got != path {
		t.Errorf("DefaultHostKeyPath = %s, want %s", got, path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %v, want 0600", fi.Mode().Perm())
	}
	if typ := first.HostKey().Type(); typ != "ssh-ed25519" {
		t.Errorf("host key type %s", typ)
	}
	second, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.HostKey().Marshal(), second.HostKey().Marshal()) {
		t.Error("a second start made a new host key")
	}

	cfg.HostKeyPath = path
	if given, err := New(cfg); err != nil || !bytes.Equal(given.HostKey().Marshal(), first.HostKey().Marshal()) {
		t.Errorf("--host-key %s: %v", path, err)
	}
	cfg.HostKeyPath = filepath.Join(t.TempDir(), "missing")
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing host key file: %v", err)
	}
	if _, err := os.Stat(cfg.HostKeyPath); err == nil {
		t.Error("a key was generated at a path given explicitly")
	}
}
