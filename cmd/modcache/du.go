package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/units"
)

func init() { commands = append(commands, (*app).duCommand) }

func (a *app) duCommand() *cobra.Command {
	var (
		asJSON bool
		sortBy string
		top    int
	)
	cmd := &cobra.Command{
		Use:   "du",
		Short: "Show where the module cache's disk space goes",
		Long: `du prints the module cache's total size, split into extracted trees, zips,
metadata, VCS clones and the checksum database cache, the free space on its
filesystem, and the modules that use the most space.

The total counts blocks on disk, each hard link once, exactly as du -sB1.`,
		Example: `  modcache du
  modcache du --sort used --top 50
  modcache du --json | jq '.modules[0]'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			by, ok := cache.ParseOrder(sortBy)
			if !ok {
				return usagef(cmd, "invalid --sort %q: use %s", sortBy, strings.Join(cache.OrderNames(), ", "))
			}
			if top < 0 {
				return usagef(cmd, "invalid --top %d: use 0 for all modules, or a positive count", top)
			}
			c, err := a.scan(cmd.Context())
			if err != nil {
				return err
			}
			mods := slices.Clone(c.Modules)
			cache.SortModules(mods, by)
			if asJSON {
				if cmd.Flags().Changed("top") && top > 0 && top < len(mods) {
					mods = mods[:top]
				}
				if err := writeJSON(a.stdout, duJSON(c, mods)); err != nil {
					return err
				}
			} else {
				a.printDu(c, mods, top)
			}
			return a.reportProblems(c)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object (schema in README)")
	cmd.Flags().StringVar(&sortBy, "sort", "size", "order modules by `size|used|name`")
	cmd.Flags().IntVar(&top, "top", 20, "show the first `N` modules (0: all)")
	return cmd
}

func (a *app) printDu(c *cache.Cache, mods []*cache.Module, top int) {
	u := c.Usage
	w := a.stdout
	fmt.Fprintf(w, "%s\n", c.Root)
	fmt.Fprintf(w, "  total      %9s  in %s, %s\n", units.Bytes(u.Total), units.Count(len(c.Modules), "module"), units.Count(c.VersionCount(), "version"))
	row := func(label string, n int64, note string) {
		if n > 0 || label == "extracted" || label == "zips" {
			fmt.Fprintf(w, "  %-10s %9s%s\n", label, units.Bytes(n), note)
		}
	}
	row("extracted", u.Trees, "")
	row("zips", u.Zips, "")
	row("metadata", u.Meta, "")
	row("vcs", u.VCS, fmt.Sprintf("  (%s)", units.Count(len(c.VCS), "clone")))
	row("sumdb", u.SumDB, "")
	row("temp", u.Strays, fmt.Sprintf("  (%d leftovers; modcache prune cleans them)", len(c.Strays)))
	row("unknown", u.Unknown, fmt.Sprintf("  (%d entries not written by go)", len(c.Unknown)))
	row("other", u.Other, "  (directories, lists, locks)")
	if c.Disk.Total > 0 {
		fmt.Fprintf(w, "  free       %9s  of %s on this filesystem\n", units.Bytes(c.Disk.Free), units.Bytes(c.Disk.Total))
	}
	if !c.Atime.Available {
		fmt.Fprintf(w, "  note: last use unknown: %s\n", c.Atime.Reason)
	}
	if len(mods) == 0 {
		return
	}
	fmt.Fprintln(w)
	usedHeader := "LAST USED"
	if !c.Atime.Available {
		usedHeader = "DOWNLOADED"
	}
	tw := newTable(w, tabwriter.AlignRight)
	fmt.Fprintf(tw, "SIZE\tVERSIONS\t%s\t  MODULE\n", usedHeader)
	now := time.Now()
	shown := mods
	if top > 0 && top < len(mods) {
		shown = mods[:top]
	}
	for _, m := range shown {
		fmt.Fprintf(tw, "%s\t%d\t%s\t  %s\n", units.Bytes(m.Bytes), len(m.Versions), units.Age(m.Used(), now), m.Path)
	}
	tw.Flush()
	if len(shown) < len(mods) {
		fmt.Fprintf(w, "… and %d more modules (--top 0 shows all)\n", len(mods)-len(shown))
	}
}

// duJSON is the stable `du --json` schema documented in the README.
func duJSON(c *cache.Cache, mods []*cache.Module) any {
	type module struct {
		Path       string     `json:"path"`
		Bytes      int64      `json:"bytes"`
		Versions   int        `json:"versions"`
		LastUsed   *time.Time `json:"lastUsed"`
		Downloaded *time.Time `json:"downloaded"`
	}
	out := struct {
		Root              string          `json:"root"`
		FreeBytes         int64           `json:"freeBytes"`
		DiskBytes         int64           `json:"diskBytes"`
		LastUsedAvailable bool            `json:"lastUsedAvailable"`
		LastUsedNote      string          `json:"lastUsedNote,omitempty"`
		Usage             cache.Usage     `json:"usage"`
		TotalBytes        int64           `json:"totalBytes"`
		Modules           []module        `json:"modules"`
		Problems          []cache.Problem `json:"problems"`
	}{
		Root: c.Root, FreeBytes: c.Disk.Free, DiskBytes: c.Disk.Total,
		LastUsedAvailable: c.Atime.Available, LastUsedNote: c.Atime.Reason,
		Usage: c.Usage, TotalBytes: c.Usage.Total,
		Modules: []module{}, Problems: c.Problems,
	}
	if out.Problems == nil {
		out.Problems = []cache.Problem{}
	}
	for _, m := range mods {
		out.Modules = append(out.Modules, module{
			Path: m.Path, Bytes: m.Bytes, Versions: len(m.Versions),
			LastUsed: timePtr(m.LastUsed), Downloaded: timePtr(m.Downloaded),
		})
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC().Truncate(time.Second)
	return &t
}

func writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
