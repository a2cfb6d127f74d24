package ui

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"

	"github.com/modcache/modcache/proxy"
)

// remoteInfo is what one source says about one module.
type remoteInfo struct {
	versions   []string
	notFound   bool   // the source does not have the module
	private    bool   // GOPRIVATE/GONOPROXY: go never asks a proxy
	err        string // why the lookup failed, one line
	latest     string
	deprecated string
	retracted  []modfile.VersionInterval
}

// has reports whether the source lists version.
func (r *remoteInfo) has(version string) bool {
	for _, v := range r.versions {
		if v == version {
			return true
		}
	}
	return false
}

func (r *remoteInfo) isRetracted(v string) bool {
	for _, iv := range r.retracted {
		if semver.Compare(iv.Low, v) <= 0 && semver.Compare(v, iv.High) <= 0 {
			return true
		}
	}
	return false
}

// answered reports whether the source gave a definite answer about which
// versions it holds.
func (r *remoteInfo) answered() bool { return r.err == "" && !r.private }

type lookupKey struct {
	source int
	path   string
}

// lookupDoneMsg carries a finished lookup back to the model.
type lookupDoneMsg struct {
	key  lookupKey
	info *remoteInfo
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
	lookupTimeout  = 30 * time.Second
	maxLookups     = 4 // concurrent requests per program
)

// lookups runs remote queries in the background, at most maxLookups at a
// time, caching answers for the session and cancelling the ones the user
// has moved away from.
type lookups struct {
	sources []Source
	sem     chan struct{}
	done    map[lookupKey]*remoteInfo
	pending map[lookupKey]context.CancelFunc
	catalog map[int]*catalogDoneMsg
	catBusy map[int]bool
}

func newLookups(sources []Source) *lookups {
	return &lookups{
		sources: sources,
		sem:     make(chan struct{}, maxLookups),
		done:    map[lookupKey]*remoteInfo{},
		pending: map[lookupKey]context.CancelFunc{},
		catalog: map[int]*catalogDoneMsg{},
		catBusy: map[int]bool{},
	}
}

// get returns a cached answer, or nil.
func (l *lookups) get(source int, path string) *remoteInfo {
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

// focus cancels lookups for modules other than path.
func (l *lookups) focus(path string) {
	for k, cancel := range l.pending {
		if k.path != path {
			cancel()
			delete(l.pending, k)
		}
	}
}

// start returns commands looking path up on every source that has no
// answer yet. All sources are asked, not only the one shown, because a
// version is irreplaceable only if no remote has it.
func (l *lookups) start(path string) tea.Cmd {
	var cmds []tea.Cmd
	for i, src := range l.sources {
		k := lookupKey{i, path}
		if l.done[k] != nil || l.pending[k] != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
		l.pending[k] = cancel
		cmds = append(cmds, func() tea.Msg {
			defer cancel()
			select {
			case l.sem <- struct{}{}:
			case <-ctx.Done():
				return lookupDoneMsg{key: k, info: &remoteInfo{err: "cancelled"}}
			}
			defer func() { <-l.sem }()
			return lookupDoneMsg{key: k, info: lookupModule(ctx, src, path)}
		})
	}
	return tea.Batch(cmds...)
}

// finish records an answer. Cancelled lookups are forgotten, not cached,
// so coming back to the module asks again.
func (l *lookups) finish(msg lookupDoneMsg) {
	if _, ok := l.pending[msg.key]; !ok {
		return // cancelled meanwhile
	}
	delete(l.pending, msg.key)
	if msg.info.err == "cancelled" {
		return
	}
	l.done[msg.key] = msg.info
}

// startCatalog lists a whole source once per session.
func (l *lookups) startCatalog(source int) tea.Cmd {
	if l.catalog[source] != nil || l.catBusy[source] {
		return nil
	}
	l.catBusy[source] = true
	src := l.sources[source]
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
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

// lookupModule asks one source about one module: its versions, its latest
// version, and the latest go.mod's deprecation and retractions.
func lookupModule(ctx context.Context, src Source, path string) *remoteInfo {
	if why := src.Unavailable(); why != "" {
		return &remoteInfo{err: why}
	}
	if src.Private(path) {
		return &remoteInfo{private: true}
	}
	info := &remoteInfo{}
	versions, err := src.Versions(ctx, path)
	switch {
	case errors.Is(err, proxy.ErrNotFound):
		info.notFound = true
	case errors.Is(err, proxy.ErrPrivate):
		return &remoteInfo{private: true}
	case err != nil:
		if ctx.Err() == context.Canceled {
			return &remoteInfo{err: "cancelled"}
		}
		info.err = errorLine(err)
		return info
	}
	info.versions = versions
	latest := pickLatest(versions)
	if latest == "" && !info.notFound {
		if li, err := src.Latest(ctx, path); err == nil {
			latest = li.Version
		}
	}
	info.latest = latest
	if latest != "" {
		if data, err := src.GoMod(ctx, path, latest); err == nil {
			if f, err := modfile.ParseLax("go.mod", data, nil); err == nil {
				if f.Module != nil {
					info.deprecated = f.Module.Deprecated
				}
				for _, r := range f.Retract {
					info.retracted = append(info.retracted, r.VersionInterval)
				}
			}
		}
	}
	// Like go's @latest, skip retracted versions when others exist.
	var live []string
	for _, v := range info.versions {
		if !info.isRetracted(v) {
			live = append(live, v)
		}
	}
	if l := pickLatest(live); l != "" {
		info.latest = l
	}
	return info
}

// pickLatest is go's @latest over a list: the highest release, else the
// highest pre-release.
func pickLatest(versions []string) string {
	best := ""
	for _, v := range versions {
		switch {
		case best == "":
			best = v
		case semver.Prerelease(best) != "" && semver.Prerelease(v) == "":
			best = v
		case (semver.Prerelease(best) == "") == (semver.Prerelease(v) == "") && semver.Compare(v, best) > 0:
			best = v
		}
	}
	return best
}
