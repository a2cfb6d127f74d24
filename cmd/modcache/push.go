package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/module"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/config"
	"github.com/modcache/modcache/internal/units"
	"github.com/modcache/modcache/mirror"
)

func init() { commands = append(commands, (*app).pushCommand) }

// pushFlags are shared by push and sync.
type pushFlags struct {
	to                string
	withDeps          bool
	project           string
	dryRun, asJSON    bool
	offline, failFast bool
	iis, insecureHTTP bool
	jobs              int
}

func (f *pushFlags) register(cmd *cobra.Command, withSelection bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.to, "to", "", "`TARGET` mirror: a URL (file://, athens://, s3://, https://, bundle://), a path, or a [mirrors.NAME] from the config")
	if withSelection {
		fl.BoolVar(&f.withDeps, "with-deps", true, "add every version a build of the selection needs (module graph from the cached go.mod files)")
		fl.StringVar(&f.project, "project", "", "push what the Go project in `DIR` needs to build, as the go command there says (workspaces included)")
	}
	fl.BoolVar(&f.dryRun, "dry-run", false, "print the plan (and what the target already has) without pushing or downloading any zip")
	fl.BoolVar(&f.asJSON, "json", false, "print the plan and result as one JSON object")
	fl.BoolVar(&f.offline, "offline", false, "never download: refuse versions the module cache lacks")
	fl.BoolVar(&f.failFast, "fail-fast", false, "stop at the first file that fails")
	fl.BoolVar(&f.iis, "iis", false, "write a web.config for IIS into a directory mirror's root")
	fl.BoolVar(&f.insecureHTTP, "insecure-http", false, "allow an http:// target that is not on loopback")
	fl.IntVar(&f.jobs, "jobs", 8, "parallel uploads")
}

func (a *app) pushCommand() *cobra.Command {
	var f pushFlags
	cmd := &cobra.Command{
		Use:   "push --to TARGET [PATH@VERSION | PATTERN ...]",
		Short: "Push module versions, with what they need to build, to a mirror",
		Long: `push copies module versions from the module cache to a mirror, in the GOPROXY
layout go reads: .info, .mod and .zip per version, @v/list naming only the
versions the mirror holds completely (written last, merged with what the
mirror lists already), and the cached checksum database records so that
clients keep GOSUMDB on offline.

PATH@VERSION names one version; it is downloaded first (by go, which verifies
it) if the cache lacks it, unless --offline. PATTERN selects cached versions
with GOPRIVATE's glob syntax, as in 'modcache ls'. With --with-deps (the
default) the module graph each selection needs is added: the version go
selects of every module is pushed in full, other versions go reads only the
go.mod of are pushed graph-only. --project DIR asks the go command in DIR for
exactly what that project needs instead; the project's go.mod and go.sum are
left as they are (go works on copies).

Every version is verified before it leaves: its zip passes zip.CheckZip and
hashes to its .ziphash and to go.sum or the checksum database where they know
it, and .info and .mod parse and match. A version that fails is refused, listed
with the reason, and not pushed. A zip's checked hash is remembered while the
file is unchanged (same inode, size, mtime and ctime), and verify remembers the
same way, so only new or changed zips are inflated again; --no-index checks
every zip from scratch.

Targets:
  /srv/goproxy, file:///srv/goproxy       a directory (serve it with any web server)
  athens:///var/lib/athens                Athens' disk storage
  s3://bucket/prefix?endpoint=host:port&region=r
                                          S3 or compatible; credentials from AWS_ACCESS_KEY_ID
                                          and AWS_SECRET_ACCESS_KEY, ~/.aws/credentials, or the config
  https://host/path/                      HTTP PUT (WebDAV, nginx dav_methods PUT), .netrc credentials
  bundle:///tmp/deps.tar.gz or .tar.zst   one archive for 'modcache import' on the other side,
                                          written anew by each push (it replaces the file)

A re-run skips files the mirror already has with the same bytes, so an
interrupted push resumes where it stopped.`,
		Example: `  modcache push --to /srv/goproxy golang.org/x/text@v0.14.0
  modcache push --to file:///srv/goproxy --project . --dry-run
  modcache push --to s3://mods/goproxy?endpoint=minio.lan:9000 'example.com/*'
  modcache push --to corp --project ~/src/app          # [mirrors.corp] in the config
  modcache push --to bundle:///media/usb/deps.tar.zst --project .`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && f.project == "" {
				return usagef(cmd, "name what to push: PATH@VERSION, a PATTERN, or --project DIR")
			}
			return a.push(cmd, f, args, false)
		},
	}
	f.register(cmd, true)
	return cmd
}

// push plans, pushes and reports; confirm reads everything back after.
func (a *app) push(cmd *cobra.Command, f pushFlags, args []string, confirm bool) error {
	ctx := cmd.Context()
	if f.to == "" {
		return usagef(cmd, "--to TARGET is required")
	}
	if f.jobs < 1 {
		return usagef(cmd, "invalid --jobs %d: use 1 or more", f.jobs)
	}
	sel, err := parseSelection(args)
	if err != nil {
		return usagef(cmd, "%v", err)
	}
	if f.project != "" {
		if sel.Project, err = filepath.Abs(f.project); err != nil {
			return err
		}
		if fi, err := os.Stat(sel.Project); err != nil || !fi.IsDir() {
			return usagef(cmd, "--project %s is not a directory", f.project)
		}
	}
	sel.WithDeps, sel.Offline, sel.Env, sel.MemoDir = f.withDeps, f.offline, a.childEnv(), a.memoDir()
	// A dry run downloads no zip: it names what a real push would.
	sel.AskFirst = f.dryRun

	t, err := a.openMirror(ctx, f.to, f.insecureHTTP)
	if err != nil {
		return err
	}
	defer t.Close()
	if f.iis {
		if err := mirror.CheckIISConfig(t); err != nil {
			return usagef(cmd, "--iis: %v", err)
		}
	}
	c, err := a.scan(ctx)
	if err != nil {
		return err
	}
	planner := mirror.NewPlanner(c, sel, t)
	stop := a.progressLine(func() string { return "planning: " + planner.Progress().String() })
	plan, err := planner.Run(ctx)
	stop()
	if err != nil {
		return err
	}
	if f.dryRun || len(plan.Versions) == 0 {
		// With every version refused there is nothing to push: say so
		// instead of printing how to serve an empty mirror.
		if f.asJSON {
			if err := writeJSON(a.stdout, pushJSON{Plan: plan}); err != nil {
				return err
			}
		} else {
			a.printPushPlan(plan)
		}
		return refusedError(plan)
	}

	p := mirror.NewPush(plan, t, mirror.PushOptions{Jobs: f.jobs, FailFast: f.failFast})
	stop = a.progressLine(func() string { return pushStatus(p.Progress()) })
	res, err := p.Run(ctx)
	stop()
	var confirmErrs []error
	if err == nil && confirm && len(res.Failures) == 0 {
		stop = a.progressLine(func() string { return "reading back what was pushed" })
		confirmErrs = mirror.Confirm(ctx, plan, t)
		stop()
	}
	// A failed web.config must not hide what the push did.
	var webConfig string
	var iisErr error
	if err == nil && f.iis {
		webConfig, iisErr = mirror.WriteIISConfig(t)
	}
	if f.asJSON {
		out := pushJSON{Plan: plan, Result: res, Confirmed: confirm && len(confirmErrs) == 0}
		for _, e := range confirmErrs {
			out.Failures = append(out.Failures, e.Error())
		}
		if jerr := writeJSON(a.stdout, out); jerr != nil {
			return jerr
		}
	} else {
		a.printPushResult(plan, res, t, err == nil && len(confirmErrs) == 0)
		for _, e := range confirmErrs {
			fmt.Fprintln(a.stderr, "modcache: check after push:", e)
		}
		if confirm && len(confirmErrs) == 0 && err == nil && len(res.Failures) == 0 {
			fmt.Fprintf(a.stdout, "checked: %s holds every file of the plan\n", t)
		}
		if webConfig != "" {
			fmt.Fprintln(a.stdout, "wrote", webConfig)
		}
	}
	if err = cmp.Or(err, iisErr); err != nil {
		return err
	}
	if len(res.Failures) > 0 || len(confirmErrs) > 0 {
		return exitError{code: exitFailure, msg: failedMsg(res.Failures, len(confirmErrs))}
	}
	return refusedError(plan)
}

// failedMsg sums up failed files. When several failed with the same
// answer (403, no such bucket), a retry will not help until that is
// fixed, so it says so.
func failedMsg(failures []*mirror.FileError, unconfirmed int) string {
	n := len(failures) + unconfirmed
	if len(failures) > 1 && unconfirmed == 0 {
		first := failures[0].Err.Error()
		same := true
		for _, f := range failures[1:] {
			same = same && f.Err.Error() == first
		}
		if same {
			return fmt.Sprintf("%s failed, all the same way (%s): fix that (credentials? the bucket or path?) and run the same command again", units.Count(n, "file"), first)
		}
	}
	return fmt.Sprintf("%s failed; run the same command again to retry them", units.Count(n, "file"))
}

// refusedError makes refused versions exit 1, after they were printed.
func refusedError(plan *mirror.Plan) error {
	if len(plan.Refused) == 0 {
		return nil
	}
	hint := ""
	if slices.ContainsFunc(plan.Refused, func(r mirror.Refusal) bool { return !r.Missing }) {
		hint = " ('modcache verify --repair' re-fetches damaged versions)"
	}
	return exitError{code: exitFailure, msg: fmt.Sprintf("%s refused and not pushed (reasons above); fix what they say%s and push again", units.Count(len(plan.Refused), "version"), hint)}
}

// parseSelection splits arguments into exact versions and patterns: an
// argument is a version when it is PATH@VERSION with a canonical version
// and no glob characters.
func parseSelection(args []string) (mirror.Selection, error) {
	var sel mirror.Selection
	for _, arg := range args {
		p, v, ok := strings.Cut(arg, "@")
		if ok && !strings.ContainsAny(arg, "*?[") && module.CanonicalVersion(v) == v && module.Check(p, v) == nil {
			sel.Versions = append(sel.Versions, module.Version{Path: p, Version: v})
			continue
		}
		if ok && v == "latest" {
			return sel, fmt.Errorf("%s: push takes versions that are in the cache; run 'modcache fetch %s' first", arg, arg)
		}
		pat, err := cache.ParsePattern(arg)
		if err != nil {
			return sel, err
		}
		sel.Patterns = append(sel.Patterns, pat)
	}
	return sel, nil
}

// openMirror resolves a --to value: a config mirror name, or a URL.
// A URL works without a config, even a broken one.
func (a *app) openMirror(ctx context.Context, to string, insecure bool) (mirror.Target, error) {
	var mirrors map[string]config.Mirror
	if mirror.IsName(to) { // only names need the config
		cfg, err := a.config()
		if err != nil {
			return nil, err
		}
		mirrors = cfg.Mirrors
	}
	opts := mirror.Options{InsecureHTTP: insecure, Timeout: a.remoteTimeout()}
	if client, err := a.proxyClient(); err == nil {
		opts.Credentials = client.Credentials // .netrc, as go reads it
	}
	return mirror.OpenNamed(ctx, to, mirrors, opts)
}

// remoteTimeout is the config's [remote] timeout, for talking to mirrors.
// Pushing to a URL needs nothing else from the config, so one that does
// not load leaves the default here (zero); commands that need the config
// report it.
func (a *app) remoteTimeout() time.Duration {
	cfg, err := a.config()
	if err != nil {
		return 0
	}
	return cfg.RemoteTimeout()
}

// childEnv is the environment for the go commands modcache runs.
func (a *app) childEnv() []string { return mirror.Environ(a.goEnv()) }

type pushJSON struct {
	Plan      *mirror.Plan   `json:"plan"`
	Result    *mirror.Result `json:"result,omitempty"`
	Failures  []string       `json:"checkFailures,omitempty"` // found reading back (sync)
	Confirmed bool           `json:"confirmed,omitempty"`
}

func (a *app) printPushPlan(plan *mirror.Plan) {
	w := a.stdout
	tot := plan.Totals()
	fmt.Fprintf(w, "plan: push %s (%d full, %d graph-only), %s, %s to %s\n",
		units.Count(tot.Versions, "version"), tot.Full, tot.GraphOnly, units.Count(tot.Files, "file"), units.Bytes(tot.Bytes), plan.Target)
	if plan.Checked {
		fmt.Fprintf(w, "  already there: %s, %s\n", units.Count(tot.PresentFiles, "file"), units.Bytes(tot.PresentBytes))
	}
	for _, m := range plan.Downloaded {
		fmt.Fprintf(w, "  downloaded into the cache first: %s\n", m)
	}
	if n := len(plan.GoMods); n > 0 {
		fmt.Fprintf(w, "  fetched into the cache first: the go.mod of %s\n", units.Count(n, "version"))
	}
	for _, m := range plan.ToDownload {
		fmt.Fprintf(w, "  not in the cache: %s (a real push downloads it first, and pushes it)\n", m)
	}
	tw := newTable(w, 0)
	for _, v := range plan.Versions {
		kind := "full"
		if !v.Full {
			kind = "graph-only"
		}
		var size int64
		present := 0
		for _, f := range v.Files {
			size += f.Size
			if f.Present {
				present++
			}
		}
		note := ""
		if plan.Checked && present == len(v.Files) {
			note = "already there"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", v.Path, v.Version, kind, v.Why, units.Bytes(size), note)
	}
	tw.Flush()
	if len(plan.SumDB) > 0 {
		var size int64
		for _, f := range plan.SumDB {
			size += f.Size
		}
		fmt.Fprintf(w, "  checksum database: %s, %s\n", units.Count(len(plan.SumDB), "file"), units.Bytes(size))
	}
	a.printRefusals(plan)
}

func (a *app) printRefusals(plan *mirror.Plan) {
	if len(plan.Refused) == 0 {
		return
	}
	fmt.Fprintf(a.stderr, "refused %s, not pushed:\n", units.Count(len(plan.Refused), "version"))
	for _, r := range plan.Refused {
		fmt.Fprintf(a.stderr, "  %s\n", r)
	}
}

// printPushResult prints what the push did, and how to use the mirror once
// it holds everything (complete: no file failed, nor the check after).
func (a *app) printPushResult(plan *mirror.Plan, res *mirror.Result, t mirror.Target, checked bool) {
	w := a.stdout
	rate := ""
	if s := res.Elapsed.Seconds(); s > 0 && res.Bytes > 0 {
		rate = fmt.Sprintf(", %s/s", units.Bytes(int64(float64(res.Bytes)/s)))
	}
	fmt.Fprintf(w, "pushed %s (%s) to %s in %s%s; %d already there; %s written\n",
		units.Count(res.Sent, "file"), units.Bytes(res.Bytes), res.Target, units.Elapsed(res.Elapsed), rate, res.Skipped, units.Count(res.Lists, "list"))
	a.printRefusals(plan)
	if len(res.Failures) > 0 {
		// A target that refuses us refuses every file alike: the first
		// few say why.
		fmt.Fprintf(a.stderr, "failed %s:\n", units.Count(len(res.Failures), "file"))
		for i, f := range res.Failures {
			if i == 10 {
				fmt.Fprintf(a.stderr, "  … and %d more (--json lists them all)\n", len(res.Failures)-i)
				break
			}
			fmt.Fprintf(a.stderr, "  %v\n", f)
		}
	}
	if len(res.Failures) > 0 || !checked {
		return // the settings would point clients at a mirror that lacks files
	}
	printClientSettings(w, plan.Settings)
	if help := mirror.ServeHelp(t, plan.Settings); help != "" {
		fmt.Fprintln(w)
		fmt.Fprint(w, help)
	}
}

// printSettings prints the client environment for the mirror.
func printClientSettings(w io.Writer, s mirror.ClientSettings) {
	fmt.Fprintln(w, "\nClient settings for building offline from this mirror:")
	for _, kv := range s.Env() {
		fmt.Fprintf(w, "  %s\n", kv)
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}

// pushStatus is the progress line of a push: a bar, counts and the rate.
func pushStatus(p mirror.Progress) string {
	return fmt.Sprintf("%s %d/%d files  %s/%s  %s/s  %s", bar(p.Fraction(), 20), p.Files, p.FilesTotal,
		units.Bytes(p.Bytes), units.Bytes(p.BytesTotal), units.Bytes(int64(p.BytesPerSec)), p.Current)
}

// rootForWrite locates the module cache, creating it when the setting
// names a directory that does not exist yet (fetch and import fill it).
func (a *app) rootForWrite() (string, error) {
	root, err := a.root()
	if err == nil {
		return root, nil
	}
	dir, _, resolveErr := cache.Resolve(a.modcacheFlag, lazyGoEnv{a})
	if resolveErr != nil {
		return "", err
	}
	if _, statErr := os.Stat(dir); statErr == nil {
		return "", err // it exists, so the problem is something else
	}
	if mkErr := os.MkdirAll(dir, 0o777); mkErr != nil {
		return "", fmt.Errorf("creating the module cache %s: %w", dir, mkErr)
	}
	return a.root()
}
