package ui

import (
	"testing"
	"time"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/fixture"
)

// A rescan after a finished scan keeps showing the last result until the
// new one is complete: the list (and marks on it) never empties.
func TestRescanKeepsTheList(t *testing.T) {
	fc := fixture.NewCache(t)
	s := NewStore(fc.Root, cache.ScanOptions{NoIndex: true})
	defer s.Close()
	waitScan := func() StoreState { t.Helper(); return waitStoreScan(t, s) }
	s.Rescan()
	first := waitScan()
	n := first.Cache.VersionCount()
	s.Rescan()
	for {
		st := s.State()
		if got := st.Cache.VersionCount(); got != n || st.Cache.Partial {
			t.Fatalf("during a rescan the store showed %d versions (partial %v), want the last scan's %d", got, st.Cache.Partial, n)
		}
		if !st.Scanning {
			break
		}
		if !st.Stale {
			t.Fatal("a rescan's old result is not marked stale")
		}
	}
	if st := waitScan(); st.Gen == first.Gen || st.Stale {
		t.Errorf("the rescan's result was not published: gen %d→%d, stale %v", first.Gen, st.Gen, st.Stale)
	}
}

// waitStoreScan waits until no scan runs and something is shown.
func waitStoreScan(t *testing.T, s *Store) StoreState {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st := s.State()
		if !st.Scanning && st.Cache != nil {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatal("scan did not finish")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A rescan asked for while a scan runs (a fetch finished meanwhile) is
// not lost: another scan follows, as the running one may have read the
// disk before the change.
func TestRescanDuringAScanRunsAnother(t *testing.T) {
	fc := fixture.NewCache(t)
	s := NewStore(fc.Root, cache.ScanOptions{NoIndex: true})
	defer s.Close()
	s.Rescan()
	s.Rescan() // the first is still running: Rescan sets it up at once
	if st := waitStoreScan(t, s); st.Gen != 2 {
		t.Errorf("gen %d after a rescan asked for during a scan, want 2 (two scans published)", st.Gen)
	}
}

// A prune's Update during a scan is not undone by that scan's older
// result: what Update made stays until the scan after it.
func TestUpdateDuringAScanStays(t *testing.T) {
	fc := fixture.NewCache(t)
	s := NewStore(fc.Root, cache.ScanOptions{NoIndex: true})
	defer s.Close()
	s.Rescan()
	n := waitStoreScan(t, s).Cache.VersionCount()
	s.Rescan()
	dropped := false
	s.Update(func(c *cache.Cache) {
		c.Modules = c.Modules[1:]
		dropped = true
	})
	if !dropped {
		t.Fatal("Update did not run")
	}
	if got := s.State().Cache.VersionCount(); got >= n {
		t.Fatalf("Update left %d versions of %d", got, n)
	}
	// Nothing changed on disk: the scan after the running one finds all.
	if st := waitStoreScan(t, s); st.Cache.VersionCount() != n || st.Gen != 3 {
		t.Errorf("after the scans: %d versions (want %d), gen %d (want 3: scan, update, then one scan result)", st.Cache.VersionCount(), n, st.Gen)
	}
}
