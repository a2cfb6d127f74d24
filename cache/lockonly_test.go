package cache

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modcache/modcache/internal/fixture"
)

// Go never deletes .lock files: a failed download, and every full prune,
// leaves one behind. A lock alone is not a version, nor a VCS clone.
func TestLockOnlyLeftovers(t *testing.T) {
	fc := fixture.NewCache(t)
	f, _ := PathsFor(fc.Root, "example.com/alpha", "v1.9.0")
	os.WriteFile(f.Lock, nil, 0o666)
	vcs := filepath.Join(fc.Root, "cache", "vcs")
	os.MkdirAll(vcs, 0o777)
	os.WriteFile(filepath.Join(vcs, strings.Repeat("cd", 32)+".lock"), nil, 0o666)
	c := scan(t, fc.Root, ScanOptions{NoIndex: true})
	if v := c.Lookup("example.com/alpha", "v1.9.0"); v != nil {
		t.Errorf("lock-only version listed as %v (%s)", v.State, v.Problem)
	}
	if len(c.VCS) != 0 {
		t.Errorf("lock-only clone listed: %+v", c.VCS)
	}
	if want := duBytes(t, fc.Root); c.Usage.Total != want {
		t.Errorf("total %d, du -sB1 says %d", c.Usage.Total, want)
	}
}
