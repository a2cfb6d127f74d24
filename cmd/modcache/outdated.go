package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/semver"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/parallel"
	"github.com/modcache/modcache/internal/units"
	"github.com/modcache/modcache/proxy"
)

func init() { commands = append(commands, (*app).outdatedCommand) }

func (a *app) outdatedCommand() *cobra.Command {
	var (
		asJSON bool
		jobs   int
	)
	cmd := &cobra.Command{
		Use:   "outdated [PATTERN...]",
		Short: "List cached modules that have newer versions upstream",
		Long: `outdated compares the newest cached version of each module with the latest
version your GOPROXY serves (as go's @latest picks it: releases first,
retracted versions skipped), asking about many modules at once.

Private modules (GOPRIVATE/GONOPROXY) are skipped: go fetches them directly.`,
		Example: `  modcache outdated
  modcache outdated 'golang.org/x/*' --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			pats, err := cache.ParsePatterns(args)
			if err != nil {
				return usagef(cmd, "%v", err)
			}
			for i, p := range pats {
				if p.Version != "" {
					// outdated compares modules: a version would match nothing.
					return usagef(cmd, "%s: outdated takes module paths or patterns without @VERSION", args[i])
				}
			}
			if jobs < 1 {
				return usagef(cmd, "invalid --jobs %d: use 1 or more", jobs)
			}
			client, err := a.proxyClient()
			if err != nil {
				return err
			}
			c, err := a.scan(cmd.Context())
			if err != nil {
				return err
			}
			var mods []*cache.Module
			for _, m := range c.Modules {
				if cache.MatchAny(pats, m.Path, "") {
					mods = append(mods, m)
				}
			}
			var done atomic.Int64
			stop := a.progressLine(func() string {
				return fmt.Sprintf("asking GOPROXY about %d/%d modules…", done.Load(), len(mods))
			})
			rows := a.checkOutdated(cmd.Context(), client.Chain(), mods, jobs, &done)
			stop()
			if asJSON {
				return writeJSON(a.stdout, rows)
			}
			return a.printOutdated(rows)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array of every module checked")
	cmd.Flags().IntVar(&jobs, "jobs", 32, "look up `N` modules at a time")
	return cmd
}

// outdatedRow is one module in `outdated --json`.
type outdatedRow struct {
	Path       string `json:"path"`
	Local      string `json:"local"`            // newest cached version
	Latest     string `json:"latest,omitempty"` // what @latest gives upstream
	Outdated   bool   `json:"outdated"`
	Deprecated string `json:"deprecated,omitempty"`
	Private    bool   `json:"private,omitempty"`
	// Unknown: the latest version could not be learnt, so the module is
	// not known to be up to date: NotFound (GOPROXY does not have it), no
	// version listed, or Error.
	Unknown  bool   `json:"unknown,omitempty"`
	NotFound bool   `json:"notFound,omitempty"`
	Error    string `json:"error,omitempty"`

	err error // Error's value, to tell one remote's failure from many
}

// checkOutdated asks src about mods, jobs at a time, each within [remote]
// timeout; a GOPROXY that stops answering is waited for once, not once per
// module (the app's breaker).
func (a *app) checkOutdated(ctx context.Context, src proxy.Source, mods []*cache.Module, jobs int, done *atomic.Int64) []outdatedRow {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	timeout := a.remoteTimeout()
	rows := make([]outdatedRow, len(mods))
	parallel.Each(ctx, jobs, len(mods), func(i int) {
		defer done.Add(1)
		m := mods[i]
		newest := newestCached(m)
		row := outdatedRow{Path: m.Path, Local: newest}
		r := a.breaker.Ask(ctx, src, timeout, func(ctx context.Context) *proxy.Report {
			return proxy.Describe(ctx, src, m.Path, nil)
		})
		switch {
		case r.Private:
			row.Private = true
		case r.Err != nil:
			row.Error, row.Unknown, row.err = proxy.Printable(r.Err.Error()), true, r.Err
		default:
			row.Latest, row.Deprecated = r.Latest, r.Deprecated
			row.Outdated = isUpgrade(newest, r.Latest)
			row.NotFound, row.Unknown = r.NotFound, r.Latest == ""
		}
		rows[i] = row
	})
	// Once the time is up (or the user stops) no more are asked.
	for i, m := range mods {
		if rows[i].Path == "" {
			rows[i] = outdatedRow{Path: m.Path, Local: newestCached(m), Unknown: true, Error: "not asked: " + ctx.Err().Error()}
		}
	}
	return rows // in mods' order: by path, as Cache.Modules is
}

// newestCached is the newest version whose code is in the cache. Versions
// known only from a query (.info) or a module graph (.mod) do not count:
// go list -u leaves exactly those behind. A module present only in graphs
// falls back to its newest .mod.
func newestCached(m *cache.Module) string {
	best, graph := "", ""
	for _, v := range m.Versions {
		switch v.State {
		case cache.Complete, cache.TreeOnly, cache.ZipOnly:
			if best == "" || semver.Compare(v.Version, best) > 0 {
				best = v.Version
			}
		case cache.ModOnly:
			if graph == "" || semver.Compare(v.Version, graph) > 0 {
				graph = v.Version
			}
		}
	}
	if best == "" {
		return graph
	}
	return best
}

// printFailures prints why lookups failed and returns how many did. A
// remote that fails fails every lookup the same way, and then is skipped:
// that is said once, with how many modules it cost, not once per module.
func (a *app) printFailures(rows []outdatedRow) int {
	failed, skipped := 0, 0
	var skip *proxy.SkippedError
	var order []string
	first, more := map[string]outdatedRow{}, map[string]int{}
	for _, r := range rows {
		if r.Error == "" {
			continue
		}
		failed++
		var s *proxy.SkippedError
		if errors.As(r.err, &s) {
			skipped++
			skip = cmp.Or(skip, s)
			continue
		}
		k := failureKey(r)
		if _, ok := first[k]; ok {
			more[k]++
			continue
		}
		first[k] = r
		order = append(order, k)
	}
	for _, k := range order {
		fmt.Fprintf(a.stderr, "modcache: %s: %s\n", first[k].Path, first[k].Error)
		if n := more[k]; n > 0 {
			fmt.Fprintf(a.stderr, "modcache: the same for %s\n", units.Count(n, "more module"))
		}
	}
	if skipped > 0 {
		fmt.Fprintf(a.stderr, "modcache: %s not checked: %s failed (%s) and was not asked again for a minute\n",
			units.Count(skipped, "module"), skip.Remote, proxy.ShortCause(skip.Err))
	}
	return failed
}

// failureKey is what two failures share when they are the same failure on
// different modules: the remote, the request and the cause.
func failureKey(r outdatedRow) string {
	var e *proxy.Error
	if errors.As(r.err, &e) {
		return fmt.Sprintf("%s\x00%s\x00%d\x00%v", e.Remote, e.Op, e.Status, e.Err)
	}
	return r.Error
}

// isUpgrade follows go list -u: latest is an update when it is higher; a
// pre-release newer than the latest release is not downgraded.
func isUpgrade(local, latest string) bool {
	return latest != "" && semver.Compare(latest, local) > 0
}

// printOutdated lists the outdated modules, then those whose latest
// version GOPROXY did not tell (they are not known to be up to date), then
// failures. Only when every module checked is known to be current does it
// say so.
func (a *app) printOutdated(rows []outdatedRow) error {
	tw := newTable(a.stdout, 0)
	headed := false
	header := func() {
		if !headed {
			fmt.Fprintln(tw, "MODULE\tCACHED\tLATEST\tNOTE")
			headed = true
		}
	}
	outdated, unknown, failed, checked := 0, 0, 0, 0
	for _, r := range rows {
		if !r.Private {
			checked++
		}
		if r.Outdated {
			header()
			outdated++
			note := ""
			if r.Deprecated != "" {
				note = "deprecated: " + r.Deprecated
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Path, r.Local, r.Latest, note)
		}
	}
	for _, r := range rows {
		if r.Unknown && r.Error == "" {
			header()
			unknown++
			note := "no version listed on GOPROXY"
			if r.NotFound {
				note = "not found on GOPROXY"
			}
			fmt.Fprintf(tw, "%s\t%s\t?\t%s\n", r.Path, r.Local, note)
		}
	}
	tw.Flush()
	failed = a.printFailures(rows)
	switch {
	case outdated == 0 && failed == 0 && unknown > 0:
		fmt.Fprintf(a.stdout, "none known to be outdated, but the latest version of %s is unknown\n", units.Count(unknown, "module"))
	case outdated+unknown+failed > 0:
	case checked == 1:
		fmt.Fprintln(a.stdout, "the 1 module checked is at its latest version")
	case checked > 0:
		fmt.Fprintf(a.stdout, "all %d modules checked are at their latest version\n", checked)
	}
	if failed > 0 {
		return exitError{code: exitFailure, msg: fmt.Sprintf("%d of %d lookups failed; the list above is incomplete", failed, len(rows))}
	}
	return nil
}
