package cache

import (
	"context"
	"maps"
	"slices"

	"golang.org/x/mod/module"

	"github.com/modcache/modcache/internal/parallel"
)

// RemoteLookup asks the configured remotes about one module: which of
// versions (those in the cache) some remote serves. One list request per
// remote answers for most; proxies leave pseudo-versions out of lists, so
// a lookup may ask about those one by one. The cache package never
// imports the proxy client; the front ends pass this in.
type RemoteLookup func(ctx context.Context, path string, versions []string) ModuleAvailability

// ModuleAvailability is what the remotes said about one module.
type ModuleAvailability struct {
	Versions []string // versions some remote lists
	Private  bool     // GOPRIVATE/GONOPROXY: go fetches it directly, which cannot be checked
	Err      error    // set when no remote could be reached
}

// Of answers for one version of the module.
func (m ModuleAvailability) Of(version string) Availability {
	switch {
	case m.Private:
		return Private
	case slices.Contains(m.Versions, version):
		return Available
	case m.Err != nil:
		return Unreachable
	}
	return Missing
}

// lookupWorkers bounds concurrent remote lookups: enough to hide latency,
// few enough not to look like abuse to a proxy.
const lookupWorkers = 8

// AskRemotes looks up the modules of the given versions concurrently and
// returns the answers as a Replaceable, for PlanEvict. Versions not asked
// about are Unreachable.
func AskRemotes(ctx context.Context, sel []module.Version, lookup RemoteLookup) Replaceable {
	byPath := map[string][]string{}
	for _, mv := range sel {
		byPath[mv.Path] = append(byPath[mv.Path], mv.Version)
	}
	answers := answers{}
	answers.ask(ctx, byPath, lookup)
	return func(path, version string) Availability {
		return answers.of(path, version, func() Availability { return Unreachable })
	}
}

// answers are the remotes' answers, by module path.
type answers map[string]ModuleAvailability

// of answers for one version; unasked says what a module nobody was asked
// about counts as.
func (as answers) of(path, version string, unasked func() Availability) Availability {
	a, ok := as[path]
	if !ok {
		return unasked()
	}
	return a.Of(version)
}

// ask looks the modules of byPath up concurrently. Once ctx is done the
// rest are not asked, and have no answer: callers count them as their
// unasked rule says (AskRemotes: Unreachable) or give up.
func (as answers) ask(ctx context.Context, byPath map[string][]string, lookup RemoteLookup) {
	paths := slices.Sorted(maps.Keys(byPath))
	got := make([]*ModuleAvailability, len(paths))
	parallel.Each(ctx, lookupWorkers, len(paths), func(i int) {
		a := lookup(ctx, paths[i], byPath[paths[i]])
		got[i] = &a
	})
	for i, a := range got {
		if a != nil {
			as[paths[i]] = *a
		}
	}
}

// PlanPruneRemote is PlanPrune with availability asked of the remotes,
// but only for the modules the plan would fully evict: a keep-free prune
// that dir evictions satisfy asks nobody. It plans assuming unasked
// modules are available, asks about the modules that assumption touched,
// and plans again, until a plan depends only on answers. A nil lookup
// means no remote: no full evictions without Force.
func PlanPruneRemote(ctx context.Context, c *Cache, p Policy, lookup RemoteLookup) (*Plan, error) {
	if lookup == nil {
		return PlanPrune(c, p, nil)
	}
	answers := answers{}
	for {
		pending := map[string]bool{}
		plan, err := PlanPrune(c, p, func(path, version string) Availability {
			return answers.of(path, version, func() Availability {
				pending[path] = true
				return Available
			})
		})
		if err != nil || len(pending) == 0 {
			return plan, err
		}
		// Ask about every version of the module at once: a later plan
		// may want others.
		byPath := map[string][]string{}
		for path := range pending {
			byPath[path] = nil
			if m := c.Find(path); m != nil {
				byPath[path] = m.VersionList()
			}
		}
		answers.ask(ctx, byPath, lookup)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}
