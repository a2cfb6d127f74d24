package ui

import (
	"context"
	"sync"
	"time"

	"github.com/modcache/modcache/cache"
)

// Store holds the cache state that one program, or every SSH session of a
// server, shows. It runs scans in the background, hands out the current
// result, and lets one write action run at a time. Views never see a cache
// change under them: updates replace the *cache.Cache, never mutate it.
type Store struct {
	root string
	opts cache.ScanOptions

	mu       sync.Mutex
	cur      *cache.Cache
	gen      uint64 // bumped whenever cur is replaced
	stale    bool   // cur came from the index and a scan is refreshing it
	scanner  *cache.Scanner
	again    bool // a scan was asked for while one ran: run another after it
	dirty    bool // Update changed cur while a scan ran: that scan's result is older
	scanErr  error
	writer   string        // what holds the write slot, "" when free
	slot     chan struct{} // the single write slot: full while an action writes
	cancelFn context.CancelFunc
}

// NewStore prepares a store for root and shows the previous scan's result,
// if any, at once.
func NewStore(root string, opts cache.ScanOptions) *Store {
	s := &Store{root: root, opts: opts, slot: make(chan struct{}, 1)}
	if !opts.NoIndex {
		if last := cache.LoadLast(root, opts.IndexDir); last != nil {
			s.cur, s.gen, s.stale = last, 1, true
		}
	}
	return s
}

// Root is the module cache this store shows.
func (s *Store) Root() string { return s.root }

// StoreState is what a view needs from the store at one moment.
type StoreState struct {
	Cache    *cache.Cache // nil until something is known
	Gen      uint64
	Scanning bool
	Stale    bool // Cache is the previous run's, being refreshed
	Progress cache.Progress
	Err      error // the last scan's failure
	Writer   string
}

// State returns the current state. It only reads: while a first scan
// runs, the scan's own goroutine publishes partial results (fillIn).
func (s *Store) State() StoreState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := StoreState{Cache: s.cur, Gen: s.gen, Stale: s.stale, Err: s.scanErr, Writer: s.writer}
	if s.scanner != nil {
		st.Scanning = true
		st.Progress = s.scanner.Progress()
	}
	return st
}

// Rescan starts a background scan, or, while one runs, another right
// after it: the running one may have read the disk before the change that
// asks for a new one (a fetch, a push's downloads, a repair). What is shown meanwhile stays (marked stale); only a
// first scan, with nothing to show yet, publishes partial results as it
// goes.
func (s *Store) Rescan() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rescanLocked()
}

func (s *Store) rescanLocked() {
	if s.scanner != nil {
		s.again = true
		return
	}
	sc := cache.NewScanner(s.root, s.opts)
	ctx, cancel := context.WithCancel(context.Background())
	s.scanner, s.cancelFn, s.scanErr = sc, cancel, nil
	s.stale = s.cur != nil
	first := s.cur == nil
	go func() {
		done := make(chan struct{})
		if first {
			go s.fillIn(sc, done)
		}
		c, err := sc.Run(ctx)
		close(done)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.scanner, s.cancelFn = nil, nil
		again, dirty := s.again, s.dirty
		s.again, s.dirty = false, false
		if err != nil {
			s.scanErr = err
			return
		}
		if !dirty {
			s.cur, s.stale = c, false
			s.gen++
		}
		if again || dirty {
			s.rescanLocked()
		}
	}()
}

// fillIn publishes what a first scan has measured so far, a few times a
// second, so the list fills in as the scan goes.
func (s *Store) fillIn(sc *cache.Scanner, done <-chan struct{}) {
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		snap := sc.Snapshot()
		snap.Partial = true
		s.mu.Lock()
		if s.scanner == sc { // not finished meanwhile
			s.cur = snap
			s.gen++
		}
		s.mu.Unlock()
	}
}

// Close stops a running scan.
func (s *Store) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancelFn != nil {
		s.cancelFn()
	}
}

// Update replaces the current cache with f applied to a copy, for changes
// the program made itself (a prune), so every view refreshes without a
// rescan. A scan running meanwhile may have read the disk before the
// change, so its result is not taken (what Update made stays, stale):
// another scan follows it.
func (s *Store) Update(f func(c *cache.Cache)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return
	}
	s.dirty = s.scanner != nil
	c := s.cur.Clone()
	f(c)
	s.cur = c
	s.gen++
}

// Set replaces the current cache outright, for tests and screenshots
// that show a fixed cache.
func (s *Store) Set(c *cache.Cache) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur, s.stale = c, false
	s.gen++
}

// AcquireWrite takes the single write slot, waiting while another action
// holds it; waiting reports who holds it so a dialog can say so. It
// returns a release function, or ctx's error.
func (s *Store) AcquireWrite(ctx context.Context, who string, waiting func(holder string)) (func(), error) {
	select {
	case s.slot <- struct{}{}:
	default:
		s.mu.Lock()
		holder := s.writer
		s.mu.Unlock()
		if waiting != nil {
			waiting(holder)
		}
		select {
		case s.slot <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	s.mu.Lock()
	s.writer = who
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.writer = ""
		s.mu.Unlock()
		<-s.slot
	}, nil
}
