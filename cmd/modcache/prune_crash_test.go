//go:build unix

package main

import (
	"bytes"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modcache/modcache/internal/fixture"
)

// TestPruneSurvivesSIGKILL kills a real modcache prune process at random
// moments, alternating dir and full prunes of everything in a cache of
// ~90 versions. After each kill, go must accept the cache as it was left
// (go mod verify on it, go build on a copy of it) and a second prune must
// complete.
func TestPruneSurvivesSIGKILL(t *testing.T) {
	isolate(t)
	bin := filepath.Join(t.TempDir(), "modcache")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	base := fixture.NewManyCache(t, 16, 5, 1)
	env := append(fixture.With(base.Env), "MODCACHE_CONFIG="+os.Getenv("MODCACHE_CONFIG"), "MODCACHE_INDEX_DIR="+os.Getenv("MODCACHE_INDEX_DIR"))
	prune := func(root, mode string) *exec.Cmd {
		// Evict everything: at most 1 byte, no grace, no latest kept.
		cmd := exec.Command(bin, "prune", "--modcache", root, "--no-index", "--max-size", "1", "--grace", "0", "--mode", mode)
		cmd.Env = fixture.With(env, "GOMODCACHE="+root)
		return cmd
	}
	// How long a whole prune takes here (the fastest of a few), to aim the
	// kills inside it.
	took := time.Hour
	for _, mode := range []string{"dir", "full", "dir", "full"} {
		root := base.Clone(t).Root
		start := time.Now()
		if out, err := prune(root, mode).CombinedOutput(); err != nil {
			t.Fatalf("prune --mode %s: %v\n%s", mode, err, out)
		}
		took = min(took, time.Since(start))
	}
	t.Logf("a whole prune takes %v", took)

	// Kills that landed between the first and the last eviction.
	files := func(root string) int {
		n := 0
		filepath.WalkDir(root, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() && !strings.HasSuffix(d.Name(), ".lock") && d.Name() != "list" {
				n++
			}
			return nil
		})
		return n
	}
	all := files(base.Root)
	// Kills are aimed within [0, window). A machine that slows down (other
	// tests running beside this one) makes a prune take longer than took,
	// so kills land before the first eviction: the window then widens, and
	// narrows again after a run that finished first. The runs go on until
	// enough kills landed midway, between minRuns and maxRuns.
	const minRuns, maxRuns, wantMidway = 30, 90, 15
	window := took
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	runs, killed, midway := 0, 0, 0
	for i := 0; i < maxRuns && (i < minRuns || midway < wantMidway); i++ {
		runs++
		mode, goproxy := "dir", "off"
		if i%2 == 1 {
			mode, goproxy = "full", base.Proxy.URL()
		}
		fc := base.Clone(t)
		cmd := prune(fc.Root, mode)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("run %d (%s): prune failed: %v\n%s", i, mode, err, out.String())
			}
			window = window * 9 / 10
		case <-time.After(time.Duration(rng.Int64N(int64(window)))):
			cmd.Process.Signal(syscall.SIGKILL)
			if err := <-exited; err != nil {
				killed++
				switch n := files(fc.Root); {
				case n == all:
					window = window * 5 / 4 // before the first eviction
				case n > all/10:
					midway++
				}
			}
		}
		// What go sees right after the kill: verify reads it as it is;
		// the build runs on a copy, so the second prune below also starts
		// from the kill. (-trimpath lets the build cache work across the
		// copies' different GOMODCACHE paths.)
		fixture.Go(t, fc.Project, fixture.With(fc.Env, "GOPROXY="+goproxy), "mod", "verify")
		copied := fc.Clone(t)
		fixture.Go(t, copied.Project, fixture.With(copied.Env, "GOPROXY="+goproxy), "build", "-trimpath", "-o", os.DevNull, ".")

		if out, err := prune(fc.Root, mode).CombinedOutput(); err != nil {
			t.Fatalf("run %d (%s): second prune after the kill failed: %v\n%s", i, mode, err, out)
		}
		if i%10 == 9 {
			fc.Sound(t, goproxy)
		}
		// Free the disk now rather than 100 copies at the end.
		for _, root := range []string{fc.Root, copied.Root} {
			fixture.MakeWritable(root)
			os.RemoveAll(root)
		}
	}
	t.Logf("%d of %d runs were killed before they finished, %d of them midway through the evictions", killed, runs, midway)
	if midway < wantMidway {
		t.Errorf("only %d of %d kills landed midway through the evictions; the test is not testing much", midway, runs)
	}
}
