package parallel

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

func TestEachRunsEveryIndexWithinTheBound(t *testing.T) {
	var running, most atomic.Int32
	seen := make([]atomic.Int32, 100)
	Each(context.Background(), 3, len(seen), func(i int) {
		now := running.Add(1)
		for {
			m := most.Load()
			if now <= m || most.CompareAndSwap(m, now) {
				break
			}
		}
		seen[i].Add(1)
		running.Add(-1)
	})
	for i := range seen {
		if seen[i].Load() != 1 {
			t.Fatalf("index %d ran %d times", i, seen[i].Load())
		}
	}
	if most.Load() > 3 {
		t.Errorf("%d calls at once, want at most 3", most.Load())
	}
	Each(context.Background(), 0, 2, func(i int) { seen[i].Add(1) }) // jobs < 1 still runs
	if seen[0].Load() != 2 || seen[1].Load() != 2 {
		t.Errorf("jobs 0 ran nothing")
	}
}

func TestEachStopsStartingOnceCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var ran []int
	Each(ctx, 1, 10, func(i int) {
		mu.Lock()
		ran = append(ran, i)
		mu.Unlock()
		if i == 2 {
			cancel()
		}
	})
	if len(ran) != 3 {
		t.Errorf("ran %v after cancelling at 2", ran)
	}
}
