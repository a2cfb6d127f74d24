package mirror

import (
	"context"
	"sync"
	"sync/atomic"
)

// parallel calls fn(i) for i in [0, n) on at most jobs goroutines. Once
// ctx is done it starts no more calls.
func parallel(ctx context.Context, jobs, n int, fn func(i int)) {
	if jobs < 1 {
		jobs = 1
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(jobs, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}
