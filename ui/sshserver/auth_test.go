package sshserver

import (
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/modcache/modcache/ui/sshserver/sshtest"
)

// authorized_keys lines grant writes only with modcache-write; options
// the server cannot honour make it refuse the key rather than ignore them.
func TestServeAuthorizedKeysOptions(t *testing.T) {
	var ks [8]ssh.Signer
	for i := range ks {
		ks[i] = sshtest.NewKey(t)
	}
	file := "# team keys\n\n" +
		sshtest.AuthorizedLine(ks[0], "") +
		sshtest.AuthorizedLine(ks[1], WriteOption) +
		sshtest.AuthorizedLine(ks[2], `no-agent-forwarding,MODCACHE-WRITE,no-port-forwarding`) +
		sshtest.AuthorizedLine(ks[3], "restrict,pty") +
		sshtest.AuthorizedLine(ks[4], `from="10.0.0.0/8"`) +
		sshtest.AuthorizedLine(ks[5], `command="/bin/date"`) +
		sshtest.AuthorizedLine(ks[6], "restrict") +
		"not a key line\n" +
		sshtest.AuthorizedLine(ks[7], "no-pty")
	path := filepath.Join(t.TempDir(), "authorized_keys")
	writeFile(t, path, file)
	keys, skipped, err := readAuthorizedKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]grant{0: {}, 1: {write: true}, 2: {write: true}, 3: {}}
	if len(keys) != len(want) {
		t.Errorf("%d keys accepted, want %d", len(keys), len(want))
	}
	for i, g := range want {
		if got, ok := keys[string(ks[i].PublicKey().Marshal())]; !ok || got != g {
			t.Errorf("key %d: %+v (accepted %v), want %+v", i, got, ok, g)
		}
	}
	if len(skipped) != 4 {
		t.Errorf("skipped %d keys, want 4: %q", len(skipped), skipped)
	}
	for i, opt := range []string{"from=", "command=", "restrict", "no-pty"} {
		if i < len(skipped) && !strings.Contains(skipped[i], opt) {
			t.Errorf("skipped[%d] = %q, want it to name %s", i, skipped[i], opt)
		}
	}

	writeFile(t, path, "# nobody yet\n")
	if _, _, err := readAuthorizedKeys(path); err == nil || !strings.Contains(err.Error(), "no usable keys") {
		t.Errorf("empty file: %v", err)
	}
}
