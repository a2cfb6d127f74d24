package sshserver

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/modcache/modcache/ui/sshserver/sshtest"
)

// The real OpenSSH client, in a real terminal (tmux), gets the TUI at the
// terminal's 80×24, and q ends the session: ssh exits with status 0.
func TestServeOpenSSHInTmux(t *testing.T) {
	for _, bin := range []string{"ssh", "tmux"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s is not installed", bin)
		}
	}
	store := scannedStore(t)
	dir := t.TempDir()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "id_ed25519")
	writeFile(t, keyFile, string(pem.EncodeToMemory(block)))
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, store, sshtest.AuthorizedLine(signer, ""), nil)
	_, port, _ := net.SplitHostPort(ts.addr)

	// Its own tmux server (-L) and no config, so tests never meet and
	// the user's settings do not count.
	sock := fmt.Sprintf("modcache-test-%d", os.Getpid())
	tmux := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("tmux", append([]string{"-L", sock, "-f", os.DevNull}, args...)...)
		cmd.Env = append(os.Environ(), "TMUX=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	t.Cleanup(func() { exec.Command("tmux", "-L", sock, "kill-server").Run() })

	sshCmd := strings.Join([]string{
		"ssh", "-F", "/dev/null", "-i", keyFile, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
		"-p", port, "tester@127.0.0.1",
	}, " ")
	// The shell in the pane records ssh's exit status; tmux's own record
	// of it comes late or not at all on a busy machine.
	statusFile := filepath.Join(dir, "status")
	tmux("new-session", "-d", "-x", "80", "-y", "24", sshCmd+"; echo $? > "+statusFile)

	// capture waits until the pane shows every want.
	capture := func(want ...string) string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			screen := tmux("capture-pane", "-p")
			if sshtest.Missing(screen, want...) == "" {
				return screen
			}
			if time.Now().After(deadline) {
				t.Fatalf("ssh never showed %q:\n%s", sshtest.Missing(screen, want...), screen)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	screen := capture("modcache", "LOCAL", "5 modules", "example.com/alpha", "q quit")
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	if len(lines) != 24 || !strings.HasPrefix(lines[0], "modcache") || !strings.Contains(lines[23], "q quit") {
		t.Errorf("the TUI does not fill the 80×24 pane from the top row:\n%s", screen)
	}
	if strings.Contains(screen, "VERS") {
		t.Errorf("VERS column at 80 columns:\n%s", screen)
	}
	// ssh passes the terminal's resize on as a window-change.
	tmux("resize-window", "-x", "120", "-y", "40")
	capture("VERS", "example.com/alpha")

	tmux("send-keys", "q")
	for deadline := time.Now().Add(10 * time.Second); ; {
		if status, err := os.ReadFile(statusFile); err == nil && len(status) > 0 {
			if got := strings.TrimSpace(string(status)); got != "0" {
				t.Fatalf("ssh exited %s after q", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ssh did not exit after q:\n%s", tmux("capture-pane", "-p"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
