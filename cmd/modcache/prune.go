package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/config"
	"github.com/modcache/modcache/internal/units"
	"github.com/modcache/modcache/mirror"
)

func init() { commands = append(commands, (*app).pruneCommand) }

// pruneFlags are prune's command-line settings, as typed.
type pruneFlags struct {
	ttl, maxSize, keepFree, mode, grace string
	keepLatest                          int
	projects, keep                      []string
	force, dryRun, asJSON               bool
}

func (a *app) pruneCommand() *cobra.Command {
	var f pruneFlags
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Free disk by evicting module versions, never breaking a build",
		Long: `prune evicts module versions from the cache by a policy: unused for longer
than --ttl, or least recently used until the cache is at most --max-size or
the filesystem has --keep-free space. It prints the plan first; --dry-run
stops there.

Evictions come in two tiers. dir removes only a version's extracted tree
and keeps its zip: go re-extracts it offline, so nothing is lost. full
removes the whole version; go fetches it again when needed. --mode auto
(the default) takes trees first, least recently used first, and removes
whole versions only when trees are not enough for a size goal; with only
--ttl it therefore removes trees alone.

Never evicted: versions used within --grace (1h), the newest --keep-latest
of each module, versions named by a --keep-project's go.sum or build list,
and --keep patterns. A version no remote serves (private, or missing from
GOPROXY and the configured mirrors) is never evicted whole without --force;
when no remote can be reached, whole evictions are refused and dir
evictions still apply. Leftovers of interrupted go commands are cleaned,
and with --ttl, VCS clones unused that long.

Each version is deleted the way go itself writes: under its lock, marked
.partial first, so an interrupted prune (ctrl+c, or a crash) leaves a cache
go repairs by itself. A version a running go command holds is skipped.

With no --ttl, --max-size or --keep-free, the [prune] section of the config
is the policy; flags given override its other settings.`,
		Example: `  modcache prune --keep-free 20% --dry-run
  modcache prune --ttl 90d --keep-latest 2
  modcache prune --max-size 10GiB --mode full --keep-project ~/src/app
  modcache prune                      # the [prune] policy from the config`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runPrune(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.ttl, "ttl", "", "evict versions unused for longer than `DURATION` (30d, 12h, 2w)")
	fl.StringVar(&f.maxSize, "max-size", "", "evict least recently used versions until the cache is at most `SIZE` (10GiB)")
	fl.StringVar(&f.keepFree, "keep-free", "", "evict least recently used versions until the filesystem has `SIZE|PCT` free (20%, 50GiB)")
	fl.IntVar(&f.keepLatest, "keep-latest", 0, "always keep the newest `N` versions of each module")
	fl.StringVar(&f.mode, "mode", "", "eviction `TIER`: dir, full or auto (default auto)")
	fl.StringArrayVar(&f.projects, "keep-project", nil, "keep every version project `DIR` needs (repeatable)")
	fl.StringArrayVar(&f.keep, "keep", nil, "never evict versions matching `PATTERN` (repeatable; as in ls)")
	fl.StringVar(&f.grace, "grace", "1h", "keep anything used within `DURATION`; 0 disables (a build may be reading it)")
	fl.BoolVar(&f.force, "force", false, "allow evicting whole versions no remote is known to serve again")
	fl.BoolVar(&f.dryRun, "dry-run", false, "print the plan and change nothing")
	fl.BoolVar(&f.asJSON, "json", false, "print the plan (and with a real run, the result) as JSON")
	return cmd
}

func (a *app) runPrune(cmd *cobra.Command, f pruneFlags) error {
	pol, projects, globs, err := a.prunePolicy(cmd, f)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	if err := a.checkCacheRoot(); err != nil {
		return err
	}
	c, err := a.scan(ctx)
	if err != nil {
		return err
	}
	notes, err := a.pinProjects(ctx, &pol, c.Root, projects, globs)
	if err != nil {
		return err
	}
	pol.Disk = testDisk
	lookup, err := a.remoteLookup()
	if err != nil {
		return err
	}
	var asked atomic.Int64
	stop := a.progressLine(func() string { return fmt.Sprintf("asking remotes about %d modules…", asked.Load()) })
	plan, err := cache.PlanPruneRemote(ctx, c, pol, func(ctx context.Context, path string, versions []string) cache.ModuleAvailability {
		asked.Add(1)
		return lookup(ctx, path, versions)
	})
	stop()
	if err != nil {
		return err
	}
	plan.Notes = append(notes, plan.Notes...)

	if f.dryRun {
		if f.asJSON {
			return writeJSON(a.stdout, plan)
		}
		a.printPlan(c, plan, true)
		return a.reportProblems(c)
	}
	if !f.asJSON {
		a.printPlan(c, plan, false)
	}
	if plan.Items() == 0 {
		if f.asJSON {
			return writeJSON(a.stdout, pruneJSON(plan, cache.NewPruneResult()))
		}
		return a.reportProblems(c)
	}
	p := cache.NewPruner(c.Root, plan, cache.PruneOptions{})
	stop = a.progressLine(func() string {
		pr := p.Progress()
		return fmt.Sprintf("%s pruning %d/%d · freed %s of %s · %s",
			bar(pr.Fraction(), 20), pr.Done, pr.Total,
			units.Bytes(pr.Freed), units.Bytes(pr.Bytes), pr.Current)
	})
	res, err := p.Run(ctx)
	stop()
	if err != nil {
		return err
	}
	if f.asJSON {
		if err := writeJSON(a.stdout, pruneJSON(plan, res)); err != nil {
			return err
		}
	} else {
		a.printPruneResult(plan, res)
	}
	switch {
	case res.Cancelled:
		return exitError{code: exitFailure, msg: "interrupted; the cache is consistent, and running prune again carries on"}
	case len(res.Errors) > 0:
		return exitError{code: exitFailure, msg: fmt.Sprintf("%s could not be pruned (see above)", units.Count(len(res.Errors), "item"))}
	}
	return a.reportProblems(c)
}

// pinProjects adds to pol the versions the given project directories and
// config globs need, so neither the CLI nor the TUI prunes them.
func (a *app) pinProjects(ctx context.Context, pol *cache.Policy, root string, projects, globs []string) ([]string, error) {
	if len(projects) == 0 && len(globs) == 0 {
		return nil, nil
	}
	dirs, notes, err := cache.ProjectDirs(globs)
	if err != nil {
		return nil, err
	}
	dirs = append(projects, dirs...)
	env := append(a.childEnv(), "GOMODCACHE="+root)
	pins, pinNotes, err := cache.PinProjects(ctx, dirs, env)
	if err != nil {
		return nil, err
	}
	pol.Pinned = pins
	return append(notes, pinNotes...), nil
}

// testDisk, when set, replaces the free-space reading of the cache's
// filesystem, so tests can plan for a full disk.
var testDisk *cache.DiskSpace

// configPolicy is the config's [prune] section as a policy, for the CLI
// and the TUI alike.
func (a *app) configPolicy() (*config.Config, cache.Policy, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, cache.Policy{}, err
	}
	pol, err := cache.PolicyFromConfig(cfg.Prune)
	if err != nil {
		return nil, cache.Policy{}, fmt.Errorf("%s: %v", cfg.Path, err)
	}
	return cfg, pol, nil
}

// prunePolicy builds the policy from the flags and the config's [prune]
// section: goals come from the flags when any is given, else from the
// config; other settings from flags when set, else from the config.
// Protections from the config (keep, keep-projects) always apply.
func (a *app) prunePolicy(cmd *cobra.Command, f pruneFlags) (pol cache.Policy, projects, globs []string, err error) {
	cfg, pol, err := a.configPolicy()
	if err != nil {
		return pol, nil, nil, err
	}
	changed := cmd.Flags().Changed
	if changed("ttl") || changed("max-size") || changed("keep-free") {
		pol.TTL, pol.MaxSize, pol.KeepFree = 0, 0, units.SizeOrPercent{}
		if f.ttl != "" {
			if pol.TTL, err = units.ParseDuration(f.ttl); err != nil {
				return pol, nil, nil, usagef(cmd, "--ttl: %v", err)
			}
			if pol.TTL <= 0 {
				return pol, nil, nil, usagef(cmd, "--ttl %s: a TTL must be longer than zero, such as 30d; to drop everything unused use --max-size", f.ttl)
			}
		}
		if f.maxSize != "" {
			if pol.MaxSize, err = units.ParseSize(f.maxSize); err != nil {
				return pol, nil, nil, usagef(cmd, "--max-size: %v", err)
			}
		}
		if f.keepFree != "" {
			if pol.KeepFree, err = units.ParseSizeOrPercent(f.keepFree); err != nil {
				return pol, nil, nil, usagef(cmd, "--keep-free: %v", err)
			}
		}
	}
	if !pol.HasGoal() {
		return pol, nil, nil, usagef(cmd, "no prune policy: give --ttl, --max-size or --keep-free, or set ttl, max-size or keep-free under [prune] in %s", a.cfgPath)
	}
	if changed("keep-latest") {
		if f.keepLatest < 0 {
			return pol, nil, nil, usagef(cmd, "invalid --keep-latest %d: use 0 or a positive count", f.keepLatest)
		}
		pol.KeepLatest = f.keepLatest
	}
	if changed("mode") {
		if pol.Mode, err = cache.ParseMode(f.mode); err != nil {
			return pol, nil, nil, usagef(cmd, "--mode: %v", err)
		}
	}
	grace, err := units.ParseDuration(f.grace)
	if err != nil {
		return pol, nil, nil, usagef(cmd, "--grace: %v", err)
	}
	pol.Grace = grace
	if grace == 0 {
		pol.Grace = -1 // none at all
	}
	keep, err := cache.ParsePatterns(f.keep)
	if err != nil {
		return pol, nil, nil, usagef(cmd, "--keep: %v", err)
	}
	pol.Keep = append(pol.Keep, keep...)
	pol.Force = pol.Force || f.force
	for _, dir := range f.projects {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
			return pol, nil, nil, usagef(cmd, "--keep-project %s: no go.mod there; give a module's root directory", dir)
		}
		abs, _ := filepath.Abs(dir)
		projects = append(projects, abs)
	}
	return pol, projects, cfg.Prune.Projects, nil
}

// remoteLookup is prune's question to the remotes the TUI and `modcache
// remote` show: each GOPROXY entry, then the config's mirrors.
func (a *app) remoteLookup() (cache.RemoteLookup, error) {
	sources, err := a.sources()
	if err != nil {
		return nil, err
	}
	client, err := a.proxyClient()
	if err != nil {
		return nil, err
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	return mirror.RemoteLookup(sources, client.Private, cfg.RemoteTimeout(), &a.breaker), nil
}

func (a *app) printPlan(c *cache.Cache, plan *cache.Plan, dryRun bool) {
	w := a.stdout
	fmt.Fprintf(w, "%s\n", c.Root)
	fmt.Fprintf(w, "  policy   %s\n", plan.Policy)
	if plan.Goal != "" {
		met := "this plan meets it"
		if !plan.Met {
			met = "this plan falls SHORT (see the notes)"
		}
		fmt.Fprintf(w, "  goal     %s: %s\n", plan.Goal, met)
	}
	verb := "frees"
	if dryRun {
		verb = "would free"
	}
	fmt.Fprintf(w, "  plan     %s %s: %s\n", verb, units.Bytes(plan.Bytes), plan.Summary())
	if len(plan.Actions) > 0 {
		fmt.Fprintln(w, "\nlargest evictions:")
		tw := newTable(w, 0)
		fmt.Fprintln(tw, "  SIZE\tMODE\tUSED\tVERSION\tWHY")
		now := time.Now()
		for _, act := range plan.Largest(10) {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s@%s\t%s\n", units.Bytes(act.Bytes), act.Mode, units.Age(act.Used, now), act.Path, act.Version, act.Reason)
		}
		tw.Flush()
		if n := len(plan.Actions) - 10; n > 0 {
			fmt.Fprintf(w, "  … and %d more (--json lists all)\n", n)
		}
	}
	if len(plan.Kept) > 0 {
		fmt.Fprintf(w, "\nkept: %s\n", plan.KeptSummary())
	}
	printNotes(w, plan.Notes)
}

func printNotes(w io.Writer, notes []string) {
	if len(notes) == 0 {
		return
	}
	fmt.Fprintln(w, "\nnotes:")
	for _, n := range notes {
		fmt.Fprintf(w, "  - %s\n", n)
	}
}

func (a *app) printPruneResult(plan *cache.Plan, res *cache.PruneResult) {
	w := a.stdout
	fmt.Fprintf(w, "\nfreed %s: %s\n", units.Bytes(res.Freed), res.Summary())
	if len(plan.Kept) > 0 {
		fmt.Fprintf(w, "kept: %s\n", plan.KeptSummary())
	}
	if len(res.Skipped) > 0 {
		fmt.Fprintf(w, "skipped %d:\n", len(res.Skipped))
		for _, s := range res.Skipped {
			fmt.Fprintf(w, "  %s: %s\n", s.Item, s.Reason)
		}
	}
	for _, err := range res.Errors {
		fmt.Fprintf(a.stderr, "modcache: %v\n", err)
	}
}

// pruneJSON is a real run's --json output: the plan and what happened.
func pruneJSON(plan *cache.Plan, res *cache.PruneResult) any {
	errs := []string{}
	for _, err := range res.Errors {
		errs = append(errs, err.Error())
	}
	return struct {
		Plan   *cache.Plan        `json:"plan"`
		Result *cache.PruneResult `json:"result"`
		Errors []string           `json:"errors"`
	}{plan, res, errs}
}
