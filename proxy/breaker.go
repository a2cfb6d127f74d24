package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/modcache/modcache/internal/units"
)

// Breaker remembers remotes that just failed to answer, so that a run
// asking about many modules waits for a dead or hanging remote once, not
// once per module: with eight lookups at a time and a 30 s timeout, a
// prune asking about 200 modules would otherwise wait 12 minutes. Safe for
// concurrent use; the zero value is ready.
type Breaker struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu   sync.Mutex
	down map[string]tripped // by Source.Name
}

// DefaultBreakerFor is how long a remote that gave no answer is skipped;
// long-lived callers (the TUI) ask it again after.
const DefaultBreakerFor = time.Minute

type tripped struct {
	err   error
	until time.Time
}

// Down returns why src is being skipped, or nil when it may be asked.
func (b *Breaker) Down(src Source) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.down[src.Name()]
	if !ok || !b.now().Before(t.until) {
		return nil
	}
	// Static words: a screen may show this long after it was made.
	return fmt.Errorf("not asked: skipped for %s after this failure: %w", units.Duration(DefaultBreakerFor), t.err)
}

// Record notes the outcome of asking src. A failure of the remote as a
// whole (no answer at all, or a 5xx) trips the breaker; an answer about
// the module (found, not found) closes it again. The caller does not
// record failures caused by its own cancellation.
func (b *Breaker) Record(src Source, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !remoteFailed(err) {
		delete(b.down, src.Name())
		return
	}
	if b.down == nil {
		b.down = map[string]tripped{}
	}
	b.down[src.Name()] = tripped{err: err, until: b.now().Add(DefaultBreakerFor)}
}

// Ask has src answer a question about one module (Held, Describe) within
// timeout (zero: DefaultTimeout), unless src failed within the last minute: then the answer is
// that failure, at once. The time starts now, so callers that queue for a
// slot do so first. The outcome is recorded, unless the caller gave up (ctx
// ended): that is not the remote's doing.
func (b *Breaker) Ask(ctx context.Context, src Source, timeout time.Duration, ask func(context.Context) *Report) *Report {
	if err := b.Down(src); err != nil {
		return &Report{Err: err}
	}
	actx, cancel := WithTimeout(ctx, timeout)
	defer cancel()
	r := ask(actx)
	if ctx.Err() == nil {
		b.Record(src, r.Err)
	}
	return r
}

func (b *Breaker) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

// remoteFailed reports whether err says the remote itself is unwell (no
// answer in time, no connection, a 5xx, an answer that runs past its size
// limit) rather than something about one module (not found, a malformed
// list). An answer without end costs as much as a timeout, in time and in
// memory, so asking again for the next module would only repeat it.
func remoteFailed(err error) bool {
	var e *Error
	var ne net.Error
	var le *limitError
	switch {
	case err == nil || errors.Is(err, ErrNotFound):
		return false
	case errors.As(err, &e) && e.Status >= http.StatusInternalServerError:
		return true
	case errors.As(err, &le):
		return true
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne)
}
