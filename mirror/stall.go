package mirror

import (
	"context"
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
// transport's "context canceled" when the guard fired.
func stallGuard(ctx context.Context, d time.Duration) (_ context.Context, kick func(), done func(error) error) {
	ctx, cancel := context.WithCancelCause(ctx)
	stall := fmt.Errorf("no progress for %s: the server stopped reading or answering", units.Duration(d))
	var fired atomic.Bool
	t := time.AfterFunc(d, func() {
		fired.Store(true)
		cancel(stall)
	})
	kick = func() { t.Reset(d) }
	done = func(err error) error {
		t.Stop()
		cancel(nil)
		if err != nil && fired.Load() {
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
