package ui

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/modcache/modcache/proxy"
)

type lookupKey struct {
	source int
	path   string
}

// lookupDoneMsg carries a finished lookup back to the model.
type lookupDoneMsg struct {
	key  lookupKey
	info *proxy.Report
}

// lookupDueMsg fires after the cursor has rested on a module for a moment;
// lookups start only then, so scrolling does not flood the remote.
type lookupDueMsg struct{ path string }

// catalogDoneMsg carries a finished catalog listing.
type catalogDoneMsg struct {
	source int
	paths  []string
	err    string
}

const (
	lookupDebounce = 150 * time.Millisecond
	maxLookups     = 4 // concurrent requests per program

	// maxAnswers bounds the answers kept. Each holds a module's whole
	// version list, which for some modules runs to 100,000 versions
	// (megabytes), and a session may visit hundreds of modules. The oldest
	// go first; coming back to one asks again.
	maxAnswers = 64
)

// lookups runs remote queries in the background, at most maxLookups at a
// time, caching answers for the session and cancelling the ones the user
// has moved away from.
type lookups struct {
	ctx     context.Context // ends with the program: no lookup outlives it
	stop    context.CancelFunc
	sources []proxy.Source
	timeout time.Duration // for each source's answer about a module, or its catalog (zero: proxy.DefaultTimeout)
	sem     chan struct{}
	done    map[lookupKey]*proxy.Report
	age     map[lookupKey]uint64 // when each answer in done came, to drop the oldest
	answers uint64               // answers so far, the clock for age
	pending map[lookupKey]context.CancelFunc
	catalog map[int]*catalogDoneMsg
	catBusy map[int]bool
	// breaker answers at once for a remote that just failed, so walking
	// down the list with a dead or hanging remote does not wait out a
	// timeout on every module; it is asked again after a minute.
	breaker *proxy.Breaker
}

func newLookups(sources []proxy.Source, timeout time.Duration, breaker *proxy.Breaker) *lookups {
	ctx, stop := context.WithCancel(context.Background())
	if breaker == nil {
		breaker = &proxy.Breaker{}
	}
	return &lookups{
		ctx:     ctx,
		stop:    stop,
		sources: sources,
		timeout: timeout,
		breaker: breaker,
		sem:     make(chan struct{}, maxLookups),
		done:    map[lookupKey]*proxy.Report{},
		age:     map[lookupKey]uint64{},
		pending: map[lookupKey]context.CancelFunc{},
		catalog: map[int]*catalogDoneMsg{},
		catBusy: map[int]bool{},
	}
}

// get returns a cached answer, or nil.
func (l *lookups) get(source int, path string) *proxy.Report {
	return l.done[lookupKey{source, path}]
}

// busy reports whether a lookup for path is running on any source.
func (l *lookups) busy(path string) bool {
	for k := range l.pending {
		if k.path == path {
			return true
		}
	}
	return false
}

// focus cancels lookups for modules other than path, and forgets their
// failures: answers are kept for the session, but a remote that was down
// or slow is asked again when the user comes back.
func (l *lookups) focus(path string) {
	for k, cancel := range l.pending {
		if k.path != path {
			cancel()
			delete(l.pending, k)
		}
	}
	for k, r := range l.done {
		if k.path != path && r.Err != nil {
			delete(l.done, k)
			delete(l.age, k)
		}
	}
}

// start returns commands looking path up on every source that has no
// answer yet. All sources are asked, not only the one shown, because a
// version is irreplaceable only if no remote has it.
func (l *lookups) start(path string, local []string) tea.Cmd {
	var cmds []tea.Cmd
	for i, src := range l.sources {
		k := lookupKey{i, path}
		if l.done[k] != nil || l.pending[k] != nil {
			continue
		}
		if err := l.breaker.Down(src); err != nil {
			l.keep(k, &proxy.Report{Err: err})
			continue
		}
		queued, cancel := context.WithCancel(l.ctx)
		l.pending[k] = cancel
		cmds = append(cmds, func() tea.Msg {
			defer cancel()
			select {
			case l.sem <- struct{}{}:
			case <-queued.Done():
				return lookupDoneMsg{key: k, info: &proxy.Report{Err: queued.Err()}}
			}
			defer func() { <-l.sem }()
			// The remote's time starts once it is asked, not while the
			// lookup waits for a slot, so a long queue cannot make a
			// healthy remote look dead.
			info := l.breaker.Ask(queued, src, l.timeout, func(ctx context.Context) *proxy.Report {
				return proxy.Describe(ctx, src, path, local)
			})
			return lookupDoneMsg{key: k, info: info}
		})
	}
	return tea.Batch(cmds...)
}

// answer looks path up on every source at once, synchronously, for
// scenes and tests that need a settled screen.
func (l *lookups) answer(path string, local []string) {
	for i, src := range l.sources {
		if k := (lookupKey{i, path}); l.done[k] == nil {
			l.keep(k, proxy.Describe(context.Background(), src, path, local))
		}
	}
}

// finish records an answer. Cancelled lookups are forgotten, not cached,
// so coming back to the module asks again.
func (l *lookups) finish(msg lookupDoneMsg) {
	if _, ok := l.pending[msg.key]; !ok {
		return // cancelled meanwhile
	}
	delete(l.pending, msg.key)
	if errors.Is(msg.info.Err, context.Canceled) {
		return
	}
	l.keep(msg.key, msg.info)
}

// keep records an answer, dropping the oldest beyond maxAnswers.
func (l *lookups) keep(k lookupKey, r *proxy.Report) {
	l.answers++
	l.done[k], l.age[k] = r, l.answers
	for len(l.done) > maxAnswers {
		oldest := k
		for o, at := range l.age {
			if at < l.age[oldest] {
				oldest = o
			}
		}
		delete(l.done, oldest)
		delete(l.age, oldest)
	}
}

// startCatalog lists a whole source once per session.
func (l *lookups) startCatalog(source int) tea.Cmd {
	if l.catalog[source] != nil || l.catBusy[source] {
		return nil
	}
	l.catBusy[source] = true
	src := l.sources[source]
	return func() tea.Msg {
		ctx, cancel := proxy.WithTimeout(l.ctx, l.timeout)
		defer cancel()
		paths, err := src.Catalog(ctx)
		msg := catalogDoneMsg{source: source, paths: paths}
		if errors.Is(err, proxy.ErrNoCatalog) {
			msg.err = "this remote cannot list everything it holds (only file:// trees, Athens and mirrors can)"
		} else if err != nil {
			msg.err = errorLine(err)
		}
		return msg
	}
}

func (l *lookups) finishCatalog(msg catalogDoneMsg) {
	delete(l.catBusy, msg.source)
	l.catalog[msg.source] = &msg
}
