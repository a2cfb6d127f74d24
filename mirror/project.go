package mirror

import (
	"context"
	"errors"
	"fmt"
	"go/version"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"github.com/modcache/modcache/internal/gocmd"
)

// projectClosure asks the go command in dir what the project needs, so the
// answer is exactly go's, workspaces, replacements and exclusions included:
//
//   - `go mod download -json all` names the version of every module in the
//     build list (replacements applied) and downloads what the cache
//     lacks, verified against go.sum and the checksum database. Those are
//     pushed in full. With askFirst, `go list -m -json all` names the same
//     versions without downloading their zips, which a person is to
//     confirm first (a dry run downloads none).
//   - `go mod graph` names every version in the module graph. Those whose
//     go.mod go has read (it is in the cache now) are pushed graph-only;
//     the others are named by pruned go.mod files that go never reads.
//
// Both run with the tool's module cache, traced into gets (which may be
// nil) so a long download shows progress; offline they run with GOPROXY=off
// and a version the cache lacks is reported missing.
func projectClosure(ctx context.Context, root, dir string, env []string, offline, askFirst bool, gets *gocmd.GetCounter) (*closure, *mainModule, error) {
	env = goEnv(env, root, offline)
	where, err := gocmd.Run(ctx, dir, env, nil, "env", "GOMOD", "GOWORK")
	if err != nil {
		return nil, nil, err
	}
	lines := strings.Split(strings.TrimSpace(string(where)), "\n")
	var main *mainModule
	var modfileFlag []string
	switch {
	case len(lines) == 2 && lines[1] != "" && lines[1] != "off":
		if main, err = readWorkspace(lines[1]); err == nil {
			var cleanup func()
			env, cleanup, err = scratchWork(lines[1], env)
			defer cleanup()
		}
	case len(lines) >= 1 && lines[0] != "" && lines[0] != "/dev/null" && lines[0] != "NUL":
		if main, err = readMainModule(filepath.Dir(lines[0])); err == nil {
			var cleanup func()
			modfileFlag, cleanup, err = scratchModfile(lines[0])
			defer cleanup()
		}
	default:
		err = errors.New("not in a Go module (no go.mod or go.work found)")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("project %s: %v", dir, err)
	}

	list := gocmd.ModDownload
	if askFirst {
		list = gocmd.ModList
	}
	results, err := list(ctx, dir, env, gets, append(slices.Clip(modfileFlag), "all")...)
	if err != nil {
		return nil, nil, offlineHint(scratchNamed(err, lines[0]), offline)
	}
	c := &closure{missing: map[module.Version]string{}}
	full := map[module.Version]bool{}
	for _, r := range results {
		m := module.Version{Path: r.Path, Version: r.Version}
		if r.Error != "" {
			c.missing[m] = "go: " + r.Reason()
			continue
		}
		full[m] = true
		c.full = append(c.full, m)
	}

	out, err := gocmd.Run(ctx, dir, env, gets.Writer(), append(append([]string{"mod", "graph"}, gets.Flags()...), modfileFlag...)...)
	if err != nil {
		return nil, nil, offlineHint(scratchNamed(err, lines[0]), offline)
	}
	seen := map[module.Version]bool{}
	for _, tok := range strings.Fields(string(out)) {
		p, v, ok := strings.Cut(tok, "@")
		if !ok || main.isMain(p) || p == "go" || p == "toolchain" {
			continue // main modules, and go 1.21's go@ and toolchain@ nodes
		}
		to, dir := main.replace(module.Version{Path: p, Version: v})
		if dir != "" || full[to] || seen[to] {
			continue
		}
		seen[to] = true
		if hasMod(root, to) {
			c.graph = append(c.graph, to)
		}
	}
	module.Sort(c.full)
	module.Sort(c.graph)
	return c, main, nil
}

// scratchNamed puts the project's go.mod back where go's message names
// the scratch copy it was given (scratchModfile), which the user has
// never heard of.
func scratchNamed(err error, gomod string) error {
	if gomod == "" || !strings.Contains(err.Error(), scratchPrefix) {
		return err
	}
	return errors.New(scratchPath.ReplaceAllLiteralString(err.Error(), gomod))
}

const scratchPrefix = "modcache-project-"

var scratchPath = regexp.MustCompile(`\S*` + scratchPrefix + `\d+[/\\]go\.mod`)

func offlineHint(err error, offline bool) error {
	if offline {
		return fmt.Errorf("%v (offline: the cache lacks something the project needs; run without --offline)", err)
	}
	return err
}

// scratchModfile copies a project's go.mod and go.sum to a temporary
// directory and returns the -modfile flag that makes go use the copies:
// `go mod download all` records a go.sum line for every module in the
// build list, and asking what a project needs must not rewrite its
// go.sum. go reads the copies exactly as it would the originals, so the
// downloads are verified against the project's own go.sum.
func scratchModfile(gomod string) (flag []string, cleanup func(), err error) {
	tmp, cleanup, err := scratchCopy(filepath.Dir(gomod), "go.mod", "go.sum")
	if err != nil {
		return nil, cleanup, err
	}
	return []string{"-modfile=" + filepath.Join(tmp, "go.mod")}, cleanup, nil
}

// scratchWork is scratchModfile for a workspace, which cannot take
// -modfile: it returns env with GOWORK pointing at a copy of go.work (its
// relative use and replace paths made absolute) beside a copy of
// go.work.sum, where go records what it downloads.
func scratchWork(gowork string, env []string) ([]string, func(), error) {
	dir := filepath.Dir(gowork)
	data, err := os.ReadFile(gowork)
	if err != nil {
		return env, func() {}, err
	}
	wf, err := modfile.ParseWork(gowork, data, nil)
	if err != nil {
		return env, func() {}, err
	}
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	var uses []*modfile.Use
	for _, u := range wf.Use {
		uses = append(uses, &modfile.Use{Path: abs(u.Path), ModulePath: u.ModulePath})
	}
	wf.SetUse(uses)
	// Replacements by a directory: dropped, then added back with an
	// absolute path (x/mod cannot edit one in place).
	var local []modfile.Replace
	for _, r := range wf.Replace {
		if r.New.Version == "" {
			local = append(local, *r)
		}
	}
	for _, r := range local {
		wf.DropReplace(r.Old.Path, r.Old.Version)
	}
	wf.Cleanup()
	for _, r := range local {
		if err := wf.AddReplace(r.Old.Path, r.Old.Version, abs(r.New.Path), ""); err != nil {
			return env, func() {}, err
		}
	}
	wf.Cleanup()
	tmp, cleanup, err := scratchCopy(dir, "go.work.sum")
	if err == nil {
		err = os.WriteFile(filepath.Join(tmp, "go.work"), modfile.Format(wf.Syntax), 0o644)
	}
	if err != nil {
		cleanup()
		return env, func() {}, err
	}
	return append(slices.Clone(env), "GOWORK="+filepath.Join(tmp, "go.work")), cleanup, nil
}

// scratchCopy copies the named files of dir that exist into a new
// temporary directory.
func scratchCopy(dir string, names ...string) (string, func(), error) {
	tmp, err := os.MkdirTemp("", scratchPrefix)
	if err != nil {
		return "", func() {}, err
	}
	cleanup := func() { os.RemoveAll(tmp) }
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) && name != "go.mod" {
			continue // no sums yet: a project without dependencies
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(tmp, name), data, 0o644)
		}
		if err != nil {
			cleanup()
			return "", func() {}, err
		}
	}
	return tmp, cleanup, nil
}

// toolchainNote warns when the project asks for a newer go than this
// machine's: a client as old, with GOTOOLCHAIN=auto (go's default), then
// downloads that go as a module, golang.org/toolchain, from its GOPROXY,
// which the push does not include unasked (one per client platform).
func toolchainNote(ctx context.Context, main *mainModule, env []string) string {
	if main == nil || main.goVersion == "" {
		return ""
	}
	out, err := gocmd.Run(ctx, os.TempDir(), withEnv(env, "GOTOOLCHAIN=local"), nil, "env", "GOVERSION", "GOOS", "GOARCH")
	f := strings.Fields(string(out))
	if err != nil || len(f) != 3 || version.Compare(main.goVersion, f[0]) <= 0 {
		return ""
	}
	return fmt.Sprintf("the project asks for %s, newer than this machine's %s: a client as old fetches that go from GOPROXY (GOTOOLCHAIN=auto), so push it too, for each client platform (modcache push --to TARGET golang.org/toolchain@v0.0.1-%s.%s-%s), or give clients a go that new",
		main.goVersion, f[0], main.goVersion, f[1], f[2])
}
