package cache

import (
	"os"
	"os/exec"
	"testing"
)

// mountAtime must read the real mount flags. Mounting needs root; without
// it only the relatime case (the usual one) is checked.
func TestMountAtimeReadsMountFlags(t *testing.T) {
	if !mountAtime(t.TempDir()).Available {
		t.Log("the test temp dir is on a noatime filesystem")
	}
	if os.Geteuid() != 0 {
		t.Log("not root: cannot mount a noatime tmpfs; checked the temp dir only")
		return
	}
	for _, tc := range []struct {
		opts string
		want bool
	}{{"noatime", false}, {"relatime", true}, {"strictatime", true}} {
		dir := t.TempDir()
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", tc.opts+",size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
			t.Fatalf("mount -o %s: %v: %s (root but cannot mount; is this a restricted container?)", tc.opts, err, out)
		}
		got := mountAtime(dir)
		exec.Command("umount", dir).Run()
		if got.Available != tc.want {
			t.Errorf("-o %s: Available = %v (%s), want %v", tc.opts, got.Available, got.Reason, tc.want)
		}
		if !got.Available && got.Reason == "" {
			t.Errorf("-o %s: unavailable without a reason", tc.opts)
		}
	}
}
