package sshserver

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
)

// WriteOption is the authorized_keys option that grants a key the write
// actions (prune, delete, push, fetch), as in
//
//	modcache-write ssh-ed25519 AAAA... alice@laptop
const WriteOption = "modcache-write"

// harmlessOptions only forbid things this server never offers (forwarding,
// agents, X11, rc files), so a key that carries them is served as is. Any
// other option restricts the key in a way the server cannot honour
// (from=, command=, expiry-time=, no-pty...), so such a key is refused
// rather than given more than its owner meant. "restrict" also forbids a
// pty unless "pty" follows, as in sshd.
var harmlessOptions = map[string]bool{
	"restrict":            true,
	"pty":                 true,
	"no-port-forwarding":  true,
	"no-agent-forwarding": true,
	"no-x11-forwarding":   true,
	"no-user-rc":          true,
}

// grant is what one authorized key may do.
type grant struct{ write bool }

// readAuthorizedKeys parses an OpenSSH authorized_keys file into grants by
// marshalled public key. skipped describes keys refused for their options.
func readAuthorizedKeys(path string) (keys map[string]grant, skipped []string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("authorized keys: %w", err)
	}
	keys = map[string]grant{}
	for rest := data; len(rest) > 0; {
		key, comment, options, next, err := ssh.ParseAuthorizedKey(rest)
		if err != nil {
			break // only blank, comment or invalid lines remain
		}
		rest = next
		g, bad := grantFor(options)
		if bad != "" {
			skipped = append(skipped, fmt.Sprintf("%s %s: option %q is not supported here", ssh.FingerprintSHA256(key), comment, bad))
			continue
		}
		// sshd uses the first line that matches a key.
		if _, dup := keys[string(key.Marshal())]; !dup {
			keys[string(key.Marshal())] = g
		}
	}
	if len(keys) == 0 {
		return nil, skipped, fmt.Errorf("authorized keys %s: no usable keys", path)
	}
	return keys, skipped, nil
}

// grantFor reads a key's options; bad is the first one the server cannot
// honour.
func grantFor(options []string) (g grant, bad string) {
	restrict, pty := false, false
	for _, o := range options {
		name := strings.ToLower(o)
		switch {
		case name == WriteOption:
			g.write = true
		case !harmlessOptions[name]:
			return grant{}, o
		}
		restrict = restrict || name == "restrict"
		pty = pty || name == "pty"
	}
	if restrict && !pty {
		return grant{}, "restrict (without pty)"
	}
	return g, ""
}

// Permission extensions carry the key's identity from auth to sessions.
const (
	extFingerprint = "modcache-fingerprint"
	extWrite       = "modcache-write"
)

var errUnknownKey = errors.New("key not authorized")

// checkKey is the public-key callback. It reads the file again on every
// login, as sshd does, so removing a key takes effect without a restart.
func (s *Server) checkKey(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	keys, _, err := readAuthorizedKeys(s.cfg.AuthorizedKeys)
	if err != nil {
		s.log.Error("login refused", "remote", meta.RemoteAddr().String(), "err", err)
		return nil, err
	}
	g, ok := keys[string(key.Marshal())]
	if !ok {
		return nil, errUnknownKey
	}
	return &ssh.Permissions{Extensions: map[string]string{
		extFingerprint: ssh.FingerprintSHA256(key),
		extWrite:       strconv.FormatBool(g.write || s.cfg.AllowWrite),
	}}, nil
}
