//go:build unix

package cache

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/modcache/modcache/internal/fixture"
)

// A directory the scan cannot read is reported and the scan goes on. Root
// reads everything regardless of permissions, so when the suite runs as
// root the check re-runs this test binary as nobody.
func TestUnreadableDirectoriesAreReported(t *testing.T) {
	if root := os.Getenv("MODCACHE_TEST_UNREADABLE_ROOT"); root != "" {
		checkUnreadable(t, root)
		return
	}
	fc := fixture.NewCache(t)
	alpha, _ := PathsFor(fc.Root, "example.com/alpha", "v1.0.0")
	beta, _ := PathsFor(fc.Root, "example.com/beta", "v1.1.0")
	if err := os.Chmod(alpha.Tree, 0o000); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(beta.Dir, 0o000); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(alpha.Tree, 0o755); os.Chmod(beta.Dir, 0o755) })
	if os.Geteuid() != 0 {
		checkUnreadable(t, fc.Root)
		return
	}
	// Let nobody reach the fixture and run a copy of the test binary.
	for d := fc.Root; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	if err := filepath.Walk(fc.Root, func(p string, _ os.FileInfo, _ error) error {
		return os.Lchown(p, 65534, 65534)
	}); err != nil {
		t.Fatal(err)
	}
	bin := copyExecutable(t)
	cmd := exec.Command(bin, "-test.run=^TestUnreadableDirectoriesAreReported$", "-test.v")
	cmd.Env = append(os.Environ(), "MODCACHE_TEST_UNREADABLE_ROOT="+fc.Root)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "PASS") {
		t.Fatalf("scan as nobody failed: %v\n%s", err, out)
	}
	t.Logf("as nobody:\n%s", out)
}

func checkUnreadable(t *testing.T, root string) {
	c, err := Scan(t.Context(), root, ScanOptions{NoIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.Problems {
		got = append(got, p.Path)
	}
	want := []string{"cache/download/example.com/beta/@v", "example.com/alpha@v1.0.0"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("problems %v, want %v", c.Problems, want)
	}
	for _, p := range c.Problems {
		if !strings.Contains(p.Err, "permission denied") {
			t.Errorf("problem %s: %q does not say why", p.Path, p.Err)
		}
	}
	// The rest of the cache is still measured.
	if v := c.Lookup("example.com/gamma/v2", "v2.0.0"); v == nil || v.State != Complete || v.TreeBytes == 0 {
		t.Errorf("gamma not measured after problems: %+v", v)
	}
	if v := c.Lookup("example.com/alpha", "v1.0.0"); v == nil {
		t.Error("alpha v1.0.0 dropped: an unreadable tree is still a version")
	}
}

func copyExecutable(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "modcache-test-bin")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	dst := filepath.Join(dir, "cache.test")
	in, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	out.Close()
	return dst
}
