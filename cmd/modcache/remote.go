package main

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"golang.org/x/mod/module"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/proxy"
)

func init() { commands = append(commands, (*app).remoteCommand) }

func (a *app) remoteCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "remote PATH",
		Short: "Show a module's versions on every remote beside the local ones",
		Long: `remote asks each entry of GOPROXY, and each mirror named in the config, which
versions of the module it holds, and prints them beside the versions in the
local cache: on both sides, remote only (and whether newer than the newest
local one), or local only. A local version that no remote has is
irreplaceable: pruning it loses it.

It also shows the latest version and the deprecation message and
retractions of the latest go.mod.`,
		Example: `  modcache remote golang.org/x/tools
  modcache remote github.com/BurntSushi/toml --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			if err := module.CheckPath(path); err != nil {
				return usagef(cmd, "invalid module path %q: %v", path, err)
			}
			sources, err := a.sources()
			if err != nil {
				return err
			}
			c, err := a.scan(cmd.Context())
			if err != nil {
				return err
			}
			rep := a.describeAll(cmd.Context(), c, sources, path)
			if asJSON {
				return writeJSON(a.stdout, rep)
			}
			a.printRemote(rep)
			if rep.failed() {
				return exitError{code: exitFailure}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

// remoteReport is `remote --json`.
type remoteReport struct {
	Path          string         `json:"path"`
	Local         []localVersion `json:"local"`
	Remotes       []remoteEntry  `json:"remotes"`
	Irreplaceable []string       `json:"irreplaceable"`
}

type localVersion struct {
	Version string      `json:"version"`
	State   cache.State `json:"state"`
}

type remoteEntry struct {
	Name       string          `json:"name"`
	Error      string          `json:"error,omitempty"`
	Private    bool            `json:"private,omitempty"`
	NotFound   bool            `json:"notFound,omitempty"`
	Latest     string          `json:"latest,omitempty"`
	Deprecated string          `json:"deprecated,omitempty"`
	Versions   []remoteVersion `json:"versions"`
}

type remoteVersion struct {
	Version   string `json:"version"`
	Remote    bool   `json:"remote"`
	Local     string `json:"local,omitempty"` // state, when in the cache
	Newer     bool   `json:"newer,omitempty"` // remote only, above every local version
	Retracted bool   `json:"retracted,omitempty"`
}

func (r *remoteReport) failed() bool {
	for _, e := range r.Remotes {
		if e.Error == "" {
			return false
		}
	}
	return len(r.Remotes) > 0
}

// describeAll asks every source at once, each within [remote] timeout.
func (a *app) describeAll(ctx context.Context, c *cache.Cache, sources []proxy.Source, path string) *remoteReport {
	m := c.Find(path)
	var versions []string
	if m != nil {
		versions = m.VersionList()
	}
	reports := make([]*proxy.Report, len(sources))
	timeout := a.remoteTimeout() // read once, not from each goroutine
	var wg sync.WaitGroup
	for i, src := range sources {
		wg.Go(func() {
			reports[i] = a.breaker.Ask(ctx, src, timeout, func(ctx context.Context) *proxy.Report {
				return proxy.Describe(ctx, src, path, versions)
			})
		})
	}
	wg.Wait()

	rep := &remoteReport{Path: path, Local: []localVersion{}, Remotes: []remoteEntry{}, Irreplaceable: []string{}}
	local := map[string]cache.State{}
	if m != nil {
		for _, v := range m.Versions {
			rep.Local = append(rep.Local, localVersion{v.Version, v.State})
			local[v.Version] = v.State
		}
	}
	var browsable []*proxy.Report
	for i, r := range reports {
		e := remoteEntry{Name: sources[i].Name(), Private: r.Private, NotFound: r.NotFound,
			Latest: r.Latest, Deprecated: r.Deprecated, Versions: []remoteVersion{}}
		if r.Err != nil {
			e.Error = proxy.Printable(r.Err.Error()) // mirrors may quote their servers' words
		}
		if sources[i].Unavailable() == "" {
			browsable = append(browsable, r)
		}
		for _, mv := range proxy.Merge(versions, r) {
			rv := remoteVersion{Version: mv.Version, Remote: mv.Remote, Newer: mv.Newer, Retracted: mv.Retracted}
			if mv.Local {
				rv.Local = local[mv.Version].String()
			}
			e.Versions = append(e.Versions, rv)
		}
		rep.Remotes = append(rep.Remotes, e)
	}
	for _, v := range versions {
		if proxy.Irreplaceable(v, browsable) {
			rep.Irreplaceable = append(rep.Irreplaceable, v)
		}
	}
	return rep
}

func (a *app) printRemote(r *remoteReport) {
	w := a.stdout
	fmt.Fprintln(w, r.Path)
	if len(r.Local) == 0 {
		fmt.Fprintln(w, "  not in the local cache")
	}
	irr := map[string]bool{}
	for _, v := range r.Irreplaceable {
		irr[v] = true
	}
	for _, e := range r.Remotes {
		fmt.Fprintln(w)
		switch {
		case e.Error != "":
			fmt.Fprintf(w, "%s\n  %s\n", e.Name, e.Error)
			continue
		case e.Private:
			fmt.Fprintf(w, "%s\n  private (GOPRIVATE/GONOPROXY): go fetches it directly, no proxy is asked\n", e.Name)
		case e.NotFound:
			fmt.Fprintf(w, "%s\n  does not have this module\n", e.Name)
		default:
			fmt.Fprintf(w, "%s  latest %s\n", e.Name, e.Latest)
		}
		if e.Deprecated != "" {
			fmt.Fprintf(w, "  deprecated: %s\n", e.Deprecated)
		}
		tw := newTable(w, 0)
		for _, v := range e.Versions {
			var where string
			switch {
			case v.Remote && v.Local != "":
				where = "both\t" + v.Local
			case v.Remote && v.Newer:
				where = "remote only (newer)\t"
			case v.Remote:
				where = "remote only\t"
			case irr[v.Version]:
				where = "local only, IRREPLACEABLE\t" + v.Local
			default:
				where = "local only\t" + v.Local
			}
			note := ""
			if v.Retracted {
				note = "retracted"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", v.Version, where, note)
		}
		tw.Flush()
	}
	if len(r.Irreplaceable) > 0 {
		fmt.Fprintf(w, "\nirreplaceable (no remote has them): %s\n", strings.Join(r.Irreplaceable, ", "))
	}
}
