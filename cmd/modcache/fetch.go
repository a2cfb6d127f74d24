package main

import (
	"cmp"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/modcache/modcache/internal/units"
	"github.com/modcache/modcache/mirror"
)

func init() { commands = append(commands, (*app).fetchCommand) }

func (a *app) fetchCommand() *cobra.Command {
	var (
		withDeps bool
		asJSON   bool
	)
	cmd := &cobra.Command{
		Use:   "fetch PATH@VERSION|PATH@latest ...",
		Short: "Download module versions into the module cache before going offline",
		Long: `fetch downloads module versions into the module cache with the real go
command ('go mod download'), using your GOPROXY and modcache's module cache, so
every module is verified against the checksum database as a build would
verify it. With --with-deps it also downloads everything a build that
requires them needs: the modules they depend on and the go.mod files of their
module graph.

A query is anything go accepts after @: a version, latest, a branch or a
commit (through a proxy that resolves them).`,
		Example: `  modcache fetch golang.org/x/text@v0.14.0
  modcache fetch github.com/spf13/cobra@latest --with-deps
  modcache fetch example.com/a@latest example.com/b@v1.2.3 --json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := mirror.CheckQueries(args); err != nil {
				return usagef(cmd, "%v", err)
			}
			root, err := a.rootForWrite()
			if err != nil {
				return err
			}
			f := mirror.NewFetcher(root, a.childEnv(), args, withDeps)
			stop := a.progressLine(func() string {
				p := f.Progress()
				return fmt.Sprintf("fetching: %d files  %s", p.Requests, p.Current)
			})
			got, err := f.Run(cmd.Context())
			stop()
			if err != nil {
				return err
			}
			failed := 0
			for _, r := range got {
				if r.Error != "" {
					failed++
				}
			}
			if asJSON {
				if err := writeJSON(a.stdout, got); err != nil {
					return err
				}
			} else {
				for _, r := range got {
					switch {
					case r.Error != "":
						fmt.Fprintf(a.stderr, "%s@%s: %s\n", r.Path, cmp.Or(r.Version, r.Query), r.Error)
					case r.Dep:
						fmt.Fprintf(a.stdout, "%s %s (dependency)\n", r.Path, r.Version)
					default:
						fmt.Fprintf(a.stdout, "%s %s\n", r.Path, r.Version)
					}
				}
			}
			if failed > 0 {
				return exitError{code: exitFailure, msg: fmt.Sprintf("%d of %s could not be fetched", failed, units.Count(len(got), "module"))}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&withDeps, "with-deps", false, "also fetch what a build that requires them needs")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array, one object per module version")
	return cmd
}
