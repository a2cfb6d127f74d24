package proxy

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// WithStall returns ctx cancelled once d passes without a kick, for
// transfers no deadline fits: a big file on a slow link may take long, but
// a connection where nothing moves for d is dead. The cancellation's cause
// is why (plus context.DeadlineExceeded, so it reads as a timeout). done
// ends the watch; given the transfer's error, it returns the cause instead
// of a transport's "context canceled" when the cancellation was the
// guard's (not the caller's), and any other error as it is.
func WithStall(parent context.Context, d time.Duration, why string) (_ context.Context, kick func(), done func(error) error) {
	d = orDefault(d)
	ctx, cancel := context.WithCancelCause(parent)
	stall := fmt.Errorf("%s: %w", why, context.DeadlineExceeded)
	t := time.AfterFunc(d, func() { cancel(stall) })
	// An HTTP transport may still read a request body after the answer
	// came: a kick then must not start the clock again.
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
