package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/modcache/modcache/internal/units"
	"github.com/modcache/modcache/mirror"
)

func init() { commands = append(commands, (*app).importCommand) }

func (a *app) importCommand() *cobra.Command {
	var (
		to           string
		insecureHTTP bool
		asJSON       bool
	)
	cmd := &cobra.Command{
		Use:   "import BUNDLE [--to TARGET]",
		Short: "Unpack a bundle into the module cache or a mirror",
		Long: `import checks a bundle written by 'modcache push --to bundle:///...' and
unpacks it. Nothing is written unless every entry passes: each must be a
plain file with a clean GOPROXY name (no "..", no absolute path, no link),
match the size and SHA-256 in the bundle's manifest, and every zip and
go.mod must hash to the go.sum lines the manifest records.

By default it writes into the module cache (--modcache DIR picks another)
exactly what 'go mod download' writes, .ziphash included, under go's own
locks, and the checksum database records where go looks for them. With --to
it fills a mirror instead, as push would.`,
		Example: `  modcache import /media/usb/deps.tar.zst
  GOPROXY=off go build ./...
  modcache import deps.tar.gz --to file:///srv/goproxy`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			bundle, err := filepath.Abs(args[0])
			if err != nil {
				return err
			}
			dest := mirror.ImportDest{Env: a.childEnv()}
			if to != "" {
				t, err := a.openMirror(ctx, to, insecureHTTP)
				if err != nil {
					return err
				}
				defer t.Close()
				dest.Target = t
				// A mirror must not land in the module cache; without
				// one (none yet) there is nothing to keep out of.
				dest.ModCache, _ = a.root()
			} else if dest.ModCache, err = a.rootForWrite(); err != nil {
				return err
			}
			stop := a.progressLine(func() string { return "importing " + bundle })
			res, err := mirror.Import(ctx, bundle, dest)
			stop()
			if err != nil {
				return err
			}
			where := dest.ModCache
			if dest.Target != nil {
				where = dest.Target.String()
			}
			if asJSON {
				return writeJSON(a.stdout, map[string]any{"into": where, "versions": res.Versions, "files": res.Files, "skipped": res.Skipped, "bytes": res.Bytes,
					"unrecorded": res.Unrecorded, "replaced": res.Replaced})
			}
			fmt.Fprintf(a.stdout, "imported %s into %s: %s (%s) written, %d already there\n",
				units.Count(res.Versions, "module version"), where, units.Count(res.Files, "file"), units.Bytes(res.Bytes), res.Skipped)
			for _, m := range res.Replaced {
				fmt.Fprintf(a.stdout, "  %s: the cached zip was damaged; replaced with the bundle's (run modcache verify --repair if its extracted tree is damaged too)\n", m)
			}
			if n := len(res.Unrecorded); n > 0 {
				fmt.Fprintf(a.stdout, "  %s without a checksum database record in the bundle, vouched for by its go.sum lines only: go accepts them offline where a go.sum names them; the first: %s\n",
					units.Count(n, "version"), res.Unrecorded[0])
			}
			if dest.Target == nil {
				fmt.Fprintln(a.stdout, "Build offline with GOPROXY=off (or GOFLAGS=-mod=mod GOPROXY=off to let go complete go.sum from the imported checksum records).")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "unpack into the mirror `TARGET` instead of the module cache")
	cmd.Flags().BoolVar(&insecureHTTP, "insecure-http", false, "allow an http:// target that is not on loopback")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}
