package cache

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/modcache/modcache/internal/fixture"
)

func scan(t *testing.T, root string, opts ScanOptions) *Cache {
	t.Helper()
	if opts.IndexDir == "" {
		opts.IndexDir = t.TempDir()
	}
	c, err := Scan(context.Background(), root, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// duBytes runs the real du, which the totals must agree with.
func duBytes(t *testing.T, root string) int64 {
	t.Helper()
	out, err := exec.Command("du", "-sB1", root).Output()
	if err != nil {
		t.Skipf("du -sB1 unavailable: %v", err)
	}
	n, err := strconv.ParseInt(strings.Fields(string(out))[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestScanMatchesDu(t *testing.T) {
	fc := fixture.NewCache(t)
	c := scan(t, fc.Root, ScanOptions{NoIndex: true})
	if want := duBytes(t, fc.Root); c.Usage.Total != want {
		t.Errorf("total %d, du -sB1 says %d (usage %+v)", c.Usage.Total, want, c.Usage)
	}
	for _, m := range c.Modules {
		for _, v := range m.Versions {
			t.Logf("%s %s %s tree=%d zip=%d meta=%d files=%d used=%v pub=%v %s", m.Path, v.Version, v.State, v.TreeBytes, v.ZipBytes, v.MetaBytes, v.Files, v.LastUsed, v.Published, v.Problem)
		}
	}
	t.Logf("usage %+v problems %v unknown %v strays %v sumdb %v", c.Usage, c.Problems, c.Unknown, c.Strays, c.SumDB)
	_ = os.Remove
	_ = filepath.Join
}
