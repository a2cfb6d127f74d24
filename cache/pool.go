package cache

import (
	"context"
	"sync"
)

// pool runs jobs on a fixed number of goroutines. Jobs may add more jobs,
// which a channel cannot do without risking deadlock, so the queue is a
// slice used as a stack: depth-first order keeps it short on deep trees.
type pool struct {
	mu      sync.Mutex
	cond    *sync.Cond
	stack   []func()
	pending int // queued plus running
}

func newPool() *pool {
	p := &pool{}
	p.cond = sync.NewCond(&p.mu)
	return p
}

func (p *pool) push(job func()) {
	p.mu.Lock()
	p.stack = append(p.stack, job)
	p.pending++
	p.mu.Unlock()
	p.cond.Signal()
}

// run works until every job, including the ones jobs push, has finished.
// After ctx is cancelled, queued jobs are dropped.
func (p *pool) run(ctx context.Context, workers int) {
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				p.mu.Lock()
				for len(p.stack) == 0 && p.pending > 0 {
					p.cond.Wait()
				}
				if p.pending == 0 {
					p.mu.Unlock()
					p.cond.Broadcast()
					return
				}
				job := p.stack[len(p.stack)-1]
				p.stack[len(p.stack)-1] = nil
				p.stack = p.stack[:len(p.stack)-1]
				p.mu.Unlock()

				if ctx.Err() == nil {
					job()
				}

				p.mu.Lock()
				p.pending--
				done := p.pending == 0
				p.mu.Unlock()
				if done {
					p.cond.Broadcast()
				}
			}
		})
	}
	wg.Wait()
}
