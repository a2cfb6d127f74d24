// Package parallel runs indexed work on a bounded number of goroutines,
// the one worker pool the cache, prune, verify and push code share.
package parallel

import (
	"context"
	"sync"
	"sync/atomic"
)

// Each calls fn(i) for i in [0, n) on at most jobs goroutines (at least
// one) and returns when all calls have returned. Once ctx is done it
// starts no more calls, so a caller that needs to know what ran records it
// in fn.
func Each(ctx context.Context, jobs, n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(max(jobs, 1), n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}
