package sshserver

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"

	"github.com/modcache/modcache/internal/config"
)

// DefaultHostKeyPath is where the server keeps the host key it generates:
// $XDG_CONFIG_HOME/modcache/ssh_host_ed25519_key, or the OS's user config
// dir, beside config.toml.
func DefaultHostKeyPath() (string, error) {
	dir, err := config.Dir()
	if err != nil {
		return "", fmt.Errorf("host key: %w", err)
	}
	return filepath.Join(dir, "ssh_host_ed25519_key"), nil
}

// loadHostKey reads the host key at path. With create set (the default
// path) a missing key is generated and saved, so clients see the same
// host key on every start. A key file someone named explicitly must exist:
// silently making a new one would look like a spoofed server to clients.
func loadHostKey(path string, create bool) (ssh.Signer, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		return createHostKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	key, err := ssh.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	return key, nil
}

func createHostKey(path string) (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "modcache host key")
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	// O_EXCL: if two servers start at once, one key wins and the other
	// start fails rather than overwriting a key a client already trusts.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	if err := pem.Encode(f, block); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	return ssh.NewSignerFromKey(priv)
}
