package ui

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

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
	client, err := proxy.New(proxy.Config{GOPROXY: slow.URL, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	fc := fixture.NewCache(t)
	store := NewStore(fc.Root, cache.ScanOptions{NoIndex: true})
	defer store.Close()
	m := New(Options{Store: store, Sources: client.Sources(), NoRescan: true})

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
}
