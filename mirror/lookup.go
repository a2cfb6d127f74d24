package mirror

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/proxy"
)

// RemoteLookup answers, for prune, which versions of a module some source
// could serve again, asking the way the UI's remote pane asks: proxy.Held,
// one list request per source plus one per cached version a list leaves
// out (proxies do not list pseudo-versions). A source is asked only about
// the versions no source before it holds, and none once all are held, so
// one slow or dead mirror does not hold up what the first proxy answered.
// private reports GOPRIVATE/GONOPROXY paths, which go fetches from their
// origin, never from a proxy: none can serve them back. Each source gets
// timeout (zero: proxy.DefaultTimeout) to answer about a module. A source
// that does not answer is waited for once per minute, not once per module:
// breaker remembers it, and may be shared with the TUI's remote pane (nil
// means a new one).
func RemoteLookup(sources []proxy.Source, private func(path string) bool, timeout time.Duration, breaker *proxy.Breaker) cache.RemoteLookup {
	if breaker == nil {
		breaker = &proxy.Breaker{}
	}
	return func(ctx context.Context, path string, versions []string) cache.ModuleAvailability {
		if private(path) {
			return cache.ModuleAvailability{Private: true}
		}
		var out cache.ModuleAvailability
		reached := false
		missing := slices.Clone(versions)
		for _, src := range sources {
			if reached && len(missing) == 0 {
				break
			}
			if src.Unavailable() != "" {
				continue // direct, off: nothing to ask
			}
			// Each source gets its own budget (a list, then a .mod per
			// version it leaves out), so a hanging one leaves the next
			// its full time.
			r := breaker.Ask(ctx, src, timeout, func(ctx context.Context) *proxy.Report {
				return proxy.Held(ctx, src, path, missing)
			})
			switch {
			case r.Private:
				return cache.ModuleAvailability{Private: true}
			case r.Err != nil:
				out.Err = r.Err
			default:
				reached = true
				out.Versions = append(out.Versions, r.Versions...)
				missing = slices.DeleteFunc(missing, r.Has)
			}
		}
		switch {
		case reached:
			out.Err = nil
		case out.Err == nil:
			out.Err = errors.New("no remote to ask: GOPROXY has only direct or off")
		}
		return out
	}
}
