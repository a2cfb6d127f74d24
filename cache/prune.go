package cache

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/modcache/modcache/internal/parallel"
	"github.com/modcache/modcache/internal/units"
)

// defaultLockWait is how long a prune or repair waits for a version's lock
// before skipping the version: a go command holding it is downloading or
// extracting.
const defaultLockWait = 2 * time.Second

// PruneOptions tune a Pruner.
type PruneOptions struct {
	// LockWait is how long to wait for a lock a running go command holds
	// before skipping that version. 0 means 2 s.
	LockWait time.Duration
	// StrayAge leaves temp files younger than this alone: go writes .info
	// and .mod through temp files without a lock. 0 means DefaultGrace.
	StrayAge time.Duration
	// Workers is how many versions are deleted at once; 0 means 4.
	Workers int
}

// PruneProgress is a snapshot of a running prune, cheap enough to poll
// every 100 ms.
type PruneProgress struct {
	Done    int    // items finished (versions, strays, clones), skipped ones included
	Total   int    // items in the plan
	Freed   int64  // bytes freed so far
	Bytes   int64  // bytes the plan frees in all
	Current string // what is being removed: path@version or a path
}

// Fraction is how far the prune is, for a progress bar: by bytes, or by
// items when the plan frees none (leftovers of no size).
func (p PruneProgress) Fraction() float64 {
	if p.Bytes == 0 && p.Total > 0 {
		return float64(p.Done) / float64(p.Total)
	}
	return float64(p.Freed) / float64(max(1, p.Bytes))
}

// Skip is an item the prune left alone, and why.
type Skip struct {
	Item   string `json:"item"` // path@version, or a path relative to the root
	Reason string `json:"reason"`
}

// PruneResult is what a prune did.
type PruneResult struct {
	Freed     int64     `json:"freedBytes"`
	Done      []Action  `json:"done"`
	Strays    []Stray   `json:"strays"` // removed
	VCS       []VCSRepo `json:"vcs"`    // removed
	Skipped   []Skip    `json:"skipped"`
	Errors    []error   `json:"-"`
	Cancelled bool      `json:"cancelled"`
}

// NewPruneResult is an empty result whose lists print as [] in JSON.
func NewPruneResult() *PruneResult {
	return &PruneResult{Done: []Action{}, Strays: []Stray{}, VCS: []VCSRepo{}, Skipped: []Skip{}}
}

// Summary says what was removed, the same in the CLI and the TUI:
// "12 trees, 3 whole versions, 1 leftover".
func (r *PruneResult) Summary() string {
	return removals(r.Done, len(r.Strays), len(r.VCS), "", "")
}

// removals words what a plan or a prune removes; dir and full follow the
// counts of trees and whole versions (a plan names the modes).
func removals(actions []Action, strays, vcs int, dir, full string) string {
	d, f := (&Plan{Actions: actions}).Count()
	s := units.Count(d, "tree") + dir + ", " + units.Count(f, "whole version") + full
	if strays > 0 {
		s += ", " + units.Count(strays, "leftover")
	}
	if vcs > 0 {
		s += ", " + units.Count(vcs, "VCS clone")
	}
	return s
}

// Pruner executes a Plan with the safe-delete protocol. Run it once; poll
// Progress from other goroutines.
type Pruner struct {
	root string
	plan *Plan
	opts PruneOptions

	done    atomic.Int64
	freed   atomic.Int64
	current atomic.Pointer[string]
}

// NewPruner prepares the execution of plan on the cache at root.
func NewPruner(root string, plan *Plan, opts PruneOptions) *Pruner {
	if opts.LockWait <= 0 {
		opts.LockWait = defaultLockWait
	}
	if opts.StrayAge <= 0 {
		opts.StrayAge = DefaultGrace
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	return &Pruner{root: root, plan: plan, opts: opts}
}

// Progress returns the prune's counters so far.
func (p *Pruner) Progress() PruneProgress {
	pr := PruneProgress{
		Done:  int(p.done.Load()),
		Total: len(p.plan.Strays) + len(p.plan.Actions) + len(p.plan.VCS),
		Freed: p.freed.Load(),
		Bytes: p.plan.Bytes,
	}
	if c := p.current.Load(); c != nil {
		pr.Current = *c
	}
	return pr
}

// Run executes the plan: strays first, then versions least recently used
// first, then VCS clones. Versions are deleted a few at a time: deleting
// is bound by the filesystem's metadata updates, and overlapping them
// hides latency. Cancelling ctx stops between items, and every item is
// either done or untouched, so a second run carries on. Errors of single
// items are collected in the result; Run itself fails only when the root
// cannot be used at all.
func (p *Pruner) Run(ctx context.Context) (*PruneResult, error) {
	d, err := openSafe(p.root, "")
	if err != nil {
		return nil, fmt.Errorf("module cache %s: %w", p.root, err)
	}
	d.Close()
	if err := CheckRoot(p.root); err != nil {
		return nil, err
	}
	res := NewPruneResult()
	now := time.Now()
	plan := p.plan
	for i, ok := range p.each(ctx, res, 1, len(plan.Strays), func(i int) (string, int64, func() (string, error)) {
		s := plan.Strays[i]
		return s.Path, s.Bytes, func() (string, error) { return removeStray(p.root, s, p.opts.LockWait, p.opts.StrayAge, now) }
	}) {
		if ok {
			res.Strays = append(res.Strays, plan.Strays[i])
		}
	}
	for i, ok := range p.each(ctx, res, p.opts.Workers, len(plan.Actions), func(i int) (string, int64, func() (string, error)) {
		a := plan.Actions[i]
		return a.Path + "@" + a.Version, a.Bytes, func() (string, error) { return evict(p.root, a, p.opts.LockWait) }
	}) {
		if ok {
			res.Done = append(res.Done, plan.Actions[i])
		}
	}
	for i, ok := range p.each(ctx, res, 1, len(plan.VCS), func(i int) (string, int64, func() (string, error)) {
		r := plan.VCS[i]
		return r.Dir, r.Bytes, func() (string, error) { return removeVCS(p.root, r, p.opts.LockWait) }
	}) {
		if ok {
			res.VCS = append(res.VCS, plan.VCS[i])
		}
	}
	empty := ""
	p.current.Store(&empty)
	return res, nil
}

// each runs n items on workers goroutines and records their outcomes in
// res, in item order. It returns which items were done.
func (p *Pruner) each(ctx context.Context, res *PruneResult, workers, n int, item func(i int) (name string, bytes int64, run func() (string, error))) []bool {
	type outcome struct {
		ran   bool
		name  string
		bytes int64
		skip  string
		err   error
	}
	out := make([]outcome, n)
	parallel.Each(ctx, workers, n, func(i int) {
		name, bytes, run := item(i)
		p.current.Store(&name)
		skip, err := run()
		out[i] = outcome{ran: true, name: name, bytes: bytes, skip: skip, err: err}
		if err == nil && skip == "" {
			p.freed.Add(bytes)
		}
		p.done.Add(1)
	})
	done := make([]bool, n)
	for i, o := range out {
		switch {
		case !o.ran:
			res.Cancelled = true
		case o.err != nil:
			res.Errors = append(res.Errors, fmt.Errorf("%s: %w", o.name, o.err))
		case o.skip != "":
			res.Skipped = append(res.Skipped, Skip{Item: o.name, Reason: o.skip})
		default:
			res.Freed += o.bytes
			done[i] = true
		}
	}
	return done
}
