package proxy

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestBreaker: real failures from a real client trip the breaker for its
// remote only while they say the remote is unwell (no answer in time, no
// connection, a 5xx), not when a module is missing; an answer closes it,
// and it opens again by itself after For.
func TestBreaker(t *testing.T) {
	var mode atomic.Value // the list route's behaviour
	mode.Store("")
	p := newFakeProxy(t, map[string]http.HandlerFunc{
		"/example.com/m/@v/list": func(w http.ResponseWriter, r *http.Request) {
			switch mode.Load() {
			case "hang":
				hang(w, r)
			case "503":
				http.Error(w, "upstream down", http.StatusServiceUnavailable)
			default:
				w.Write([]byte("v1.0.0\n"))
			}
		},
	})
	refused := httptest.NewServer(http.NotFoundHandler())
	refused.Close() // its port now refuses connections

	cfg := testConfig(t, p.URL+","+refused.URL)
	cfg.Timeout = 100 * time.Millisecond
	srcs := newTestClient(t, cfg).Sources()
	src, dead := srcs[0], srcs[1]
	now := time.Now()
	b := &Breaker{Now: func() time.Time { return now }}
	ask := func(s Source, path string) error {
		_, err := s.Versions(context.Background(), path)
		b.Record(s, err)
		return err
	}

	if err := ask(src, "example.com/missing"); !errors.Is(err, ErrNotFound) || b.Down(src) != nil {
		t.Fatalf("a missing module: %v; down %v", err, b.Down(src))
	}
	mode.Store("hang")
	err := ask(src, "example.com/m")
	var skipped *SkippedError
	if down := b.Down(src); err == nil || !errors.As(down, &skipped) || !errors.Is(skipped.Err, context.DeadlineExceeded) {
		t.Fatalf("a hanging remote: %v; down %v", err, down)
	}
	if b.Down(dead) != nil {
		t.Error("one remote's failure skips another")
	}
	now = now.Add(20 * time.Second)
	// Short, and about this answer: not the other module's request, not
	// "timed out" as if this request had.
	want := "not asked: " + src.Name() + " failed 20s ago (timed out); asking again in 40s"
	if down := b.Down(src); down == nil || down.Error() != want {
		t.Errorf("20s later: %v, want %q", down, want)
	}
	now = now.Add(41 * time.Second)
	if b.Down(src) != nil {
		t.Error("still skipped after For")
	}
	mode.Store("503")
	if ask(src, "example.com/m"); b.Down(src) == nil {
		t.Error("a 503 did not trip it")
	}
	mode.Store("")
	if err := ask(src, "example.com/m"); err != nil || b.Down(src) != nil {
		t.Errorf("an answer did not close it: %v; down %v", err, b.Down(src))
	}
	if err := ask(dead, "example.com/m"); err == nil || b.Down(dead) == nil {
		t.Errorf("a refused connection: %v; down %v", err, b.Down(dead))
	}
}

// An answer past its size limit (a list streamed without end) trips the
// breaker like a timeout: asking again for the next module would only
// download the limit again.
func TestBreakerTripsOnAnOverLimitAnswer(t *testing.T) {
	p := newFakeProxy(t, map[string]http.HandlerFunc{
		"/example.com/a/@v/list": endless,
		"/example.com/b/@v/list": text("v1.0.0\n"),
	})
	cfg := testConfig(t, p.URL)
	cfg.MaxMetaBytes = 64 << 10
	src := newTestClient(t, cfg).Sources()[0]
	b := &Breaker{}
	r := b.Ask(context.Background(), src, 0, func(ctx context.Context) *Report {
		return Held(ctx, src, "example.com/a", nil)
	})
	if r.Err == nil || !strings.Contains(r.Err.Error(), "exceeds the 64 KiB limit") {
		t.Fatalf("endless list: %+v", r)
	}
	hits := len(p.Hits())
	r = b.Ask(context.Background(), src, 0, func(ctx context.Context) *Report {
		return Held(ctx, src, "example.com/b", nil)
	})
	if r.Err == nil || !strings.Contains(r.Err.Error(), "not asked") || len(p.Hits()) != hits {
		t.Errorf("next module after an over-limit answer: %+v, %d more requests", r, len(p.Hits())-hits)
	}
}
