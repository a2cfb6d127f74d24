package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/mod/module"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/units"
)

func init() { commands = append(commands, (*app).verifyCommand) }

func (a *app) verifyCommand() *cobra.Command {
	var (
		asJSON, repair bool
		projects       []string
	)
	cmd := &cobra.Command{
		Use:   "verify [PATTERN...]",
		Short: "Check module versions in the cache for damage, and repair it",
		Long: `verify checks each module version in the cache: its zip against .ziphash
and zip.CheckZip, its extracted tree against the same hash, its .mod and .info,
the module's list file, and that its files form a state go accepts (no
.partial left by an interrupted extraction, no tree without .ziphash). The
checksum database records go cached when it checked a download are checked
against too, and with --project so are the project's go.sum lines: a cache
entry that disagrees with either is the most serious finding, as it means
tampering or corruption. Files are read without marking them used.

--repair replaces each damaged version with a good copy, and never leaves
one worse than it was. When only the extracted tree is damaged, the tree is
removed and go re-extracts it from the verified zip, offline. Otherwise go
mod download fetches the version first into a scratch cache (using your
GOPROXY and GOSUMDB); the copy must pass these same checks and hash to what
vouches for the version: the checksum database records go cached, the
--project go.sum lines, or else the .ziphash go recorded at download. Only
then is the damaged version evicted, with the same safe delete prune uses,
and the good copy installed. A version with no good copy (no remote, the
same damage served back, or nothing to say which copy is right) is left as
it was, and verify says so. A hash is never "fixed" by rewriting .ziphash.

Exit status: 0 when everything is sound (after --repair: when the repair
left nothing damaged), 1 when something is damaged, 2 on bad usage.`,
		Example: `  modcache verify
  modcache verify 'golang.org/x/*' --project .
  modcache verify --repair`,
		RunE: func(cmd *cobra.Command, args []string) error {
			pats, err := cache.ParsePatterns(args)
			if err != nil {
				return usagef(cmd, "%v", err)
			}
			for i, dir := range projects {
				if _, err := os.Stat(filepath.Join(dir, "go.sum")); err != nil {
					return usagef(cmd, "--project %s: no go.sum there; give a module's root directory", dir)
				}
				projects[i], _ = filepath.Abs(dir)
			}
			if repair {
				if err := a.checkCacheRoot(); err != nil {
					return err
				}
			}
			c, err := a.scan(cmd.Context())
			if err != nil {
				return err
			}
			vs := c.Select(pats)
			if len(vs) == 0 && len(args) > 0 {
				return usagef(cmd, "no module version in the cache matches %s", strings.Join(args, " "))
			}
			rep, err := a.verify(cmd, c.Root, vs, projects)
			if err != nil {
				// What an interrupted run found, then why it ended.
				switch {
				case rep != nil && asJSON:
					writeJSON(a.stdout, verifyJSON{Report: rep})
				case rep != nil:
					a.printFindings(rep)
				}
				return err
			}
			out := verifyJSON{Report: rep}
			if !asJSON {
				a.printFindings(rep)
			}
			damaged := len(rep.Findings) > 0
			if repair && damaged {
				res, err := cache.Repair(cmd.Context(), c.Root, rep.Findings, cache.RepairOptions{GoEnv: a.childEnv(), Projects: projects})
				if err != nil {
					return err
				}
				out.Repair = res
				for _, e := range res.Errors {
					out.RepairErrors = append(out.RepairErrors, e.Error())
				}
				if !asJSON {
					a.printRepair(res)
				}
				// Check again what was repaired, from a fresh scan.
				after, err := a.reverify(cmd, c.Root, rep, projects)
				if err != nil {
					return err
				}
				out.After = after
				if !asJSON {
					a.printAfterRepair(after)
				}
				damaged = len(after.Findings) > 0 || len(res.Errors) > 0 || len(res.Skipped) > 0 || len(res.Kept) > 0 || leftEvicted(res) > 0
			}
			if asJSON {
				if err := writeJSON(a.stdout, out); err != nil {
					return err
				}
			}
			if msg := repairLeft(out.Repair); msg != "" {
				return exitError{code: exitFailure, msg: msg}
			}
			if damaged {
				return exitError{code: exitFailure}
			}
			return a.reportProblems(c)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVar(&repair, "repair", false, "replace damaged versions with good copies fetched again")
	cmd.Flags().StringArrayVar(&projects, "project", nil, "also check the go.sum of the module in `DIR` (repeatable)")
	return cmd
}

// verifyJSON is verify's --json output.
type verifyJSON struct {
	Report       *cache.VerifyReport `json:"report"`
	Repair       *cache.RepairResult `json:"repair,omitempty"`
	RepairErrors []string            `json:"repairErrors,omitempty"`
	After        *cache.VerifyReport `json:"after,omitempty"` // a second verify of what was repaired
}

// verify runs a Verifier with a progress bar on a terminal.
func (a *app) verify(cmd *cobra.Command, root string, vs []*cache.Version, projects []string) (*cache.VerifyReport, error) {
	v := cache.NewVerifier(root, vs, cache.VerifyOptions{Projects: projects, ZipHashes: cache.OpenZipHashes(root, a.memoDir())})
	stop := a.progressLine(func() string {
		p := v.Progress()
		return fmt.Sprintf("%s verifying %d/%d versions · %s · %s · %s",
			bar(p.Fraction(), 20), p.Versions, p.Total, units.Count(p.Files, "file"), units.Bytes(p.Bytes), p.Current)
	})
	defer stop()
	return v.Run(cmd.Context())
}

// reverify checks the versions and modules of rep's findings again.
func (a *app) reverify(cmd *cobra.Command, root string, rep *cache.VerifyReport, projects []string) (*cache.VerifyReport, error) {
	c, err := a.scan(cmd.Context())
	if err != nil {
		return nil, err
	}
	want := map[module.Version]bool{}
	modules := map[string]bool{}
	for _, f := range rep.Findings {
		want[module.Version{Path: f.Path, Version: f.Version}] = true
		modules[f.Path] = true
	}
	var vs []*cache.Version
	for _, v := range c.Select(nil) {
		// Versions whose list was at fault are rechecked with their module.
		if want[module.Version{Path: v.Path, Version: v.Version}] || want[module.Version{Path: v.Path}] {
			vs = append(vs, v)
		}
	}
	after, err := a.verify(cmd, root, vs, projects)
	if err != nil {
		return nil, err
	}
	return after, nil
}

func (a *app) printFindings(rep *cache.VerifyReport) {
	w := a.stdout
	last := ""
	serious := 0
	for _, f := range rep.Findings {
		head := f.Path
		if f.Version != "" {
			head += "@" + f.Version
		}
		if head != last {
			fmt.Fprintln(w, head)
			last = head
		}
		tag := ""
		if f.Serious {
			tag = " (serious)"
			serious++
		}
		fmt.Fprintf(w, "  %-12s %s%s\n", f.Kind, f.Detail, tag)
	}
	summary := fmt.Sprintf("%s checked (%s, %s)", units.Count(rep.Versions, "version"), units.Count(rep.Files, "file"), units.Bytes(rep.Bytes))
	if rep.Stopped {
		summary = "stopped: " + summary
	}
	if len(rep.Findings) == 0 {
		fmt.Fprintf(w, "%s: no damage\n", summary)
		return
	}
	fmt.Fprintf(w, "\n%s: %s, %s, %d serious\n", summary, units.Count(len(rep.Damaged()), "damaged version"), units.Count(len(rep.Findings), "finding"), serious)
}

func (a *app) printRepair(res *cache.RepairResult) {
	w := a.stdout
	fmt.Fprintln(w, "\nrepair:")
	for _, r := range res.Repaired {
		how, again := "evicted whole", "fetched again"
		if r.Mode == cache.ModeDir {
			// go re-extracts from the zip it has: nothing is downloaded.
			how, again = "extracted tree removed", "extracted again from the verified zip"
		}
		if r.Fetched {
			fmt.Fprintf(w, "  %s@%s: %s, %s\n", r.Path, r.Version, how, again)
		} else {
			fmt.Fprintf(w, "  %s@%s: %s; %s\n", r.Path, r.Version, how, r.Note)
		}
	}
	for _, m := range res.Relisted {
		fmt.Fprintf(w, "  %s: list rewritten\n", m)
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(w, "  %s: not repaired: %s\n", s.Item, s.Reason)
	}
	for _, k := range res.Kept {
		fmt.Fprintf(w, "  %s: left as it was, with no good copy to replace it: %s\n", k.Item, k.Reason)
	}
	for _, err := range res.Errors {
		fmt.Fprintf(a.stderr, "modcache: repair: %v\n", err)
	}
}

func (a *app) printAfterRepair(after *cache.VerifyReport) {
	if len(after.Findings) == 0 {
		fmt.Fprintf(a.stdout, "checked again: %s, no damage\n", units.Count(after.Versions, "version"))
		return
	}
	fmt.Fprintln(a.stdout, "\nstill damaged after repair:")
	a.printFindings(after)
}

// leftEvicted counts repaired versions go could not fetch again.
func leftEvicted(res *cache.RepairResult) int {
	if res == nil {
		return 0
	}
	n := 0
	for _, r := range res.Repaired {
		if !r.Fetched {
			n++
		}
	}
	return n
}

// repairLeft says what a repair could not mend and what to do about it.
func repairLeft(res *cache.RepairResult) string {
	if res == nil {
		return ""
	}
	var msgs []string
	if n := len(res.Kept); n > 0 {
		msgs = append(msgs, fmt.Sprintf("%s left as found, since no good copy could be had (reasons above)", units.Count(n, "damaged version")))
	}
	if n := leftEvicted(res); n > 0 {
		msgs = append(msgs, fmt.Sprintf("%s evicted but not fetched again; run go mod download PATH@VERSION when a remote is reachable", units.Count(n, "damaged version")))
	}
	return strings.Join(msgs, "\n")
}
