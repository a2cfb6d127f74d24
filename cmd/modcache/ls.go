package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/units"
)

func init() { commands = append(commands, (*app).lsCommand) }

func (a *app) lsCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ls [PATTERN...]",
		Short: "List module versions with their state, sizes and times",
		Long: `ls prints one line per module version in the cache: its state, the size of
its extracted tree, zip and metadata, its file count, and when it was
downloaded, last used and published.

PATTERN uses GOPRIVATE's glob syntax and may end in @VERSION (exact or a
glob). States:
  complete  tree, zip and .ziphash: builds and go mod download work offline
  tree      zip removed: builds work offline, go mod download needs the network
  zip       not extracted yet: go extracts it offline on first use
  mod       only .mod/.info: part of a module graph, never built
  info      only .info, from a version query
  partial   extraction interrupted or running; go redoes it
  damaged   a combination go rejects (see the problem column)`,
		Example: `  modcache ls
  modcache ls 'golang.org/x/*'
  modcache ls example.com/alpha@v1.2.0 --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			pats, err := cache.ParsePatterns(args)
			if err != nil {
				return usagef(cmd, "%v", err)
			}
			c, err := a.scan(cmd.Context())
			if err != nil {
				return err
			}
			vs := c.Select(pats)
			if asJSON {
				if err := writeJSON(a.stdout, lsJSON(vs)); err != nil {
					return err
				}
			} else {
				a.printLs(c, vs)
			}
			if len(vs) == 0 && len(args) > 0 {
				// Like grep: nothing matched is exit status 1.
				return exitError{code: exitFailure, msg: "no module version in the cache matches " + strings.Join(args, " ")}
			}
			return a.reportProblems(c)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array, one object per version (schema in README)")
	return cmd
}

func (a *app) printLs(c *cache.Cache, vs []*cache.Version) {
	if len(vs) == 0 {
		return
	}
	now := time.Now()
	tw := newTable(a.stdout, 0)
	fmt.Fprintln(tw, "MODULE\tVERSION\tSTATE\tTREE\tZIP\tMETA\tFILES\tUSED\tDOWNLOADED\tPUBLISHED\tPROBLEM")
	for _, v := range vs {
		published := "-"
		if !v.Published.IsZero() {
			published = v.Published.Format("2006-01-02")
		}
		used := "n/a"
		if c.Atime.Available {
			used = units.Age(v.LastUsed, now)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n",
			v.Path, v.Version, v.State, dash(v.TreeBytes), dash(v.ZipBytes), dash(v.MetaBytes), v.Files,
			used, units.Age(v.Downloaded, now), published, v.Problem)
	}
	tw.Flush()
	if !c.Atime.Available {
		fmt.Fprintf(a.stdout, "note: last use unknown: %s\n", c.Atime.Reason)
	}
}

func dash(n int64) string {
	if n == 0 {
		return "-"
	}
	return units.Bytes(n)
}

// lsJSON is the stable `ls --json` schema documented in the README.
func lsJSON(vs []*cache.Version) any {
	type version struct {
		Path       string      `json:"path"`
		Version    string      `json:"version"`
		State      cache.State `json:"state"`
		Problem    string      `json:"problem,omitempty"`
		TreeBytes  int64       `json:"treeBytes"`
		ZipBytes   int64       `json:"zipBytes"`
		MetaBytes  int64       `json:"metaBytes"`
		Files      int         `json:"files"`
		Downloaded *time.Time  `json:"downloaded"`
		LastUsed   *time.Time  `json:"lastUsed"`
		Published  *time.Time  `json:"published"`
	}
	out := []version{}
	for _, v := range vs {
		out = append(out, version{
			Path: v.Path, Version: v.Version, State: v.State, Problem: v.Problem,
			TreeBytes: v.TreeBytes, ZipBytes: v.ZipBytes, MetaBytes: v.MetaBytes, Files: v.Files,
			Downloaded: timePtr(v.Downloaded), LastUsed: timePtr(v.LastUsed), Published: timePtr(v.Published),
		})
	}
	return out
}
