package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/fixture"
	"github.com/modcache/modcache/proxy"
)

// When the program ends (an SSH client hangs up), Close drops the
// requests still waiting on a slow remote instead of letting them run
// out their timeouts.
func TestCloseCancelsLookups(t *testing.T) {
	asked := make(chan struct{}, 1)
	dropped := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked <- struct{}{}
		select {
		case <-r.Context().Done():
			dropped <- struct{}{}
		case <-time.After(time.Minute):
		}
	}))
	defer slow.Close()
	m := modelWithRemote(t, slow.URL, 0)

	done := make(chan tea.Msg, 1)
	cmd := m.lk.start("example.com/alpha", nil)
	go func() { done <- cmd() }()
	select {
	case <-asked:
	case <-time.After(10 * time.Second):
		t.Fatal("the lookup never reached the remote")
	}
	m.Close()
	select {
	case <-dropped:
	case <-time.After(10 * time.Second):
		t.Fatal("Close left the request running")
	}
	msg := <-done
	if d, ok := msg.(lookupDoneMsg); !ok || !errors.Is(d.info.Err, context.Canceled) {
		t.Errorf("the lookup ended with %#v, want a cancelled answer", msg)
	}
	if err := m.lk.breaker.Down(m.lk.sources[0]); err != nil {
		t.Errorf("our own cancelling counted against the remote: %v", err)
	}
}

// Options.RemoteTimeout (the config's [remote] timeout) bounds a lookup;
// a remote that runs out of it is the remote's failure.
func TestLookupTimeoutFromOptions(t *testing.T) {
	m := modelWithRemote(t, fixture.HangingServer(t), 300*time.Millisecond)
	defer m.Close()
	for _, msg := range runBatch(m.lk.start("example.com/alpha", nil)) {
		m.lk.finish(msg.(lookupDoneMsg))
	}
	if r := m.lk.get(0, "example.com/alpha"); r == nil || !errors.Is(r.Err, context.DeadlineExceeded) {
		t.Fatalf("lookup against a hanging remote: %+v", r)
	}
	if m.lk.breaker.Down(m.lk.sources[0]) == nil {
		t.Errorf("a remote that timed out is asked again at once")
	}
}

// A remote that fails is not asked again, for a while, as the user moves
// down the list: the pane says so at once instead of waiting out a timeout
// on every module. After the breaker's minute it is asked again.
func TestLookupsSkipAFailedRemote(t *testing.T) {
	var hits atomic.Int32
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "upstream gone", http.StatusBadGateway)
	}))
	defer down.Close()
	m := modelWithRemote(t, down.URL, 0)
	defer m.Close()
	now := time.Now()
	m.lk.breaker.Now = func() time.Time { return now }

	ask := func(path string) *proxy.Report {
		t.Helper()
		if cmd := m.lk.start(path, nil); cmd != nil {
			for _, msg := range runBatch(cmd) {
				m.lk.finish(msg.(lookupDoneMsg))
			}
		}
		r := m.lk.get(0, path)
		if r == nil {
			t.Fatalf("%s: no answer", path)
		}
		return r
	}
	if r := ask("example.com/alpha"); r.Err == nil || !strings.Contains(r.Err.Error(), "502") {
		t.Fatalf("first lookup: %v", r.Err)
	}
	before := hits.Load()
	if r := ask("example.com/beta"); r.Err == nil || !strings.Contains(r.Err.Error(), "not asked") || hits.Load() != before {
		t.Errorf("second lookup: %v after %d more requests, want the breaker's answer and none", r.Err, hits.Load()-before)
	}
	now = now.Add(2 * proxy.DefaultBreakerFor)
	if ask("example.com/gamma"); hits.Load() == before {
		t.Errorf("the remote was not asked again after the breaker's time")
	}
}

// runBatch runs a command and the commands of any batch it returns.
func runBatch(cmd tea.Cmd) []tea.Msg {
	msg := cmd()
	if batch, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range batch {
			if c != nil {
				out = append(out, runBatch(c)...)
			}
		}
		return out
	}
	return []tea.Msg{msg}
}

// modelWithRemote is a model over the fixture cache whose one remote is
// goproxy, given timeout (0: the default) to answer about a module.
func modelWithRemote(t *testing.T, goproxy string, timeout time.Duration) *Model {
	t.Helper()
	client, err := proxy.New(proxy.Config{GOPROXY: goproxy, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	fc := fixture.NewCache(t)
	store := NewStore(fc.Root, cache.ScanOptions{NoIndex: true})
	t.Cleanup(store.Close)
	return New(Options{Store: store, Sources: client.Sources(), NoRescan: true, RemoteTimeout: timeout})
}

// The answers kept are bounded: each may hold a list of 100,000 versions,
// and a session visits hundreds of modules. The newest stay.
func TestLookupsKeepABoundedNumberOfAnswers(t *testing.T) {
	l := newLookups(nil, 0, nil)
	defer l.stop()
	for i := range 3 * maxAnswers {
		l.keep(lookupKey{0, fmt.Sprint("example.com/m", i)}, &proxy.Report{})
	}
	if len(l.done) != maxAnswers || len(l.age) != maxAnswers {
		t.Errorf("%d answers kept (%d ages), want %d", len(l.done), len(l.age), maxAnswers)
	}
	if l.get(0, fmt.Sprint("example.com/m", 3*maxAnswers-1)) == nil || l.get(0, "example.com/m0") != nil {
		t.Error("kept the oldest answers, not the newest")
	}
}

// A module not asked because its remote just failed on another module
// says so in a few words: when, how and when it is asked again; not the
// other module's request, and not "timed out" as if this one had.
func TestSkippedRemoteIsShortAndTrue(t *testing.T) {
	m := newSampleModel(t, 80, 24, true)
	mod, _ := m.selectedModule()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	failure := &proxy.Error{Remote: "http://127.0.0.1:8080/hang", Op: "list", Path: "example.com/other",
		Err: fmt.Errorf("timed out after 10s: %w", context.DeadlineExceeded)}
	m.lk.keep(lookupKey{m.remote.current, mod.Path}, &proxy.Report{Err: &proxy.SkippedError{
		Remote: "http://127.0.0.1:8080/hang", Err: failure, At: t0, Until: t0.Add(time.Minute), Now: t0.Add(12 * time.Second)}})
	out := ansi.Strip(m.View().Content)
	if !strings.Contains(out, "✗ not asked: failed 12s ago") || !strings.Contains(out, "asking again in 48s") {
		t.Errorf("no short story of the skip:\n%s", out)
	}
	for _, bad := range []string{"example.com/other", "timed out:", "timed out after", "deadline"} {
		if strings.Contains(out, bad) {
			t.Errorf("the pane shows %q:\n%s", bad, out)
		}
	}
}
