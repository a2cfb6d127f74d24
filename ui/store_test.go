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
	waitScan := func() StoreState {
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
