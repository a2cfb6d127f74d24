package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
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
	at    time.Time
	until time.Time
}

// SkippedError is the breaker's answer for a remote that failed lately: it
// was not asked. Its message is short and about this answer, "not asked:
// REMOTE failed 12s ago (timed out); asking again in 48s", since a screen
// shows it beside a module the failure was not about. It does not unwrap
// to the failure: this answer is no timeout or 5xx itself.
type SkippedError struct {
	Remote string    // the source's name
	Err    error     // the failure that tripped the breaker, in full
	At     time.Time // when that failure was recorded
	Until  time.Time // when the remote is asked again
	Now    time.Time // when this answer was given
}

func (e *SkippedError) Error() string { return "not asked: " + e.Remote + " " + e.Reason() }

// Reason is the message without the remote's name, for a screen that names
// it already: "failed 12s ago (timed out); asking again in 48s".
func (e *SkippedError) Reason() string {
	return fmt.Sprintf("failed %s ago (%s); asking again in %s",
		roundSeconds(e.Now.Sub(e.At)), ShortCause(e.Err), roundSeconds(e.Until.Sub(e.Now)))
}

func roundSeconds(d time.Duration) string {
	return units.Duration(max(d.Round(time.Second), time.Second))
}

// ShortCause says in a few words why a request failed: "timed out",
// "503 Service Unavailable", "connection refused"; the full error names
// the request and the module, which is too long for a summary.
func ShortCause(err error) string {
	var e *Error
	var le *limitError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.As(err, &e) && e.Status != 0:
		return strings.TrimSpace(fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status)))
	case errors.As(err, &le):
		return le.Error()
	}
	// The innermost cause of a network error is the telling part.
	for {
		inner := errors.Unwrap(err)
		if inner == nil {
			return Printable(err.Error())
		}
		err = inner
	}
}

// Down returns why src is being skipped (a *SkippedError), or nil when it
// may be asked.
func (b *Breaker) Down(src Source) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.down[src.Name()]
	now := b.now()
	if !ok || !now.Before(t.until) {
		return nil
	}
	return &SkippedError{Remote: src.Name(), Err: t.err, At: t.at, Until: t.until, Now: now}
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
	now := b.now()
	b.down[src.Name()] = tripped{err: err, at: now, until: now.Add(DefaultBreakerFor)}
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
