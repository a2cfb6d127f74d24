package mirror

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/modcache/modcache/internal/units"
)

// stallGuard returns ctx cancelled once d passes without a kick: for
// transfers no deadline fits, since a big file on a slow link may take
// long, but a connection where nothing moves for d is dead. done ends the
// watch; given the transfer's error, it returns the stall instead of the
// transport's "context canceled" when that cancellation was the guard's
// (not the caller's), and any other error as it is.
func stallGuard(parent context.Context, d time.Duration) (_ context.Context, kick func(), done func(error) error) {
	ctx, cancel := context.WithCancelCause(parent)
	stall := fmt.Errorf("no progress for %s: the server stopped reading or answering", units.Duration(d))
	t := time.AfterFunc(d, func() { cancel(stall) })
	// An HTTP transport may still read the body after the answer came:
	// a kick then must not start the clock again.
	var stopped atomic.Bool
	kick = func() {
		if !stopped.Load() {
			t.Reset(d)
		}
	}
	done = func(err error) error {
		stopped.Store(true)
		t.Stop()
		stalled := parent.Err() == nil && errors.Is(context.Cause(ctx), stall)
		cancel(nil)
		// net/http hands back the cause inside its own error, naming the
		// URL the caller already names; others return context.Canceled.
		if err != nil && stalled && (errors.Is(err, stall) || errors.Is(err, context.Canceled)) {
			return stall
		}
		return err
	}
	return ctx, kick, done
}

// kickReader kicks a stall guard on every read.
type kickReader struct {
	r    io.Reader
	kick func()
}

func (k kickReader) Read(p []byte) (int, error) {
	n, err := k.r.Read(p)
	k.kick()
	return n, err
}
