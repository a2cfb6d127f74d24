package mirror

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/modcache/modcache/internal/gocmd"
	"golang.org/x/mod/module"
)

// projectClosure asks the go command in dir what the project needs, so the
// answer is exactly go's, workspaces, replacements and exclusions included:
//
//   - `go mod download -json all` names the version of every module in the
//     build list (replacements applied) and downloads what the cache
//     lacks, verified against go.sum and the checksum database. Those are
//     pushed in full.
//   - `go mod graph` names every version in the module graph. Those whose
//     go.mod go has read (it is in the cache now) are pushed graph-only;
//     the others are named by pruned go.mod files that go never reads.
//
// Both run with the tool's module cache; offline they run with GOPROXY=off
// and a version the cache lacks is reported missing.
func projectClosure(ctx context.Context, root, dir string, env []string, offline bool) (*closure, *mainModule, error) {
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
		main, err = readWorkspace(lines[1])
	case len(lines) >= 1 && lines[0] != "" && lines[0] != "/dev/null" && lines[0] != "NUL":
		if main, err = readMainModule(filepath.Dir(lines[0])); err == nil {
			var cleanup func()
			modfileFlag, cleanup, err = scratchModfile(lines[0])
			defer cleanup()
		}
	default:
		err = fmt.Errorf("%s is not in a Go module (no go.mod found)", dir)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("project %s: %v", dir, err)
	}

	out, runErr := gocmd.Run(ctx, dir, env, nil, append([]string{"mod", "download", "-json"}, append(modfileFlag, "all")...)...)
	results, err := parseModuleJSON(out)
	if err != nil {
		return nil, nil, err
	}
	if len(results) == 0 && runErr != nil {
		return nil, nil, offlineHint(runErr, offline)
	}
	c := &closure{missing: map[module.Version]string{}}
	full := map[module.Version]bool{}
	for _, r := range results {
		m := module.Version{Path: r.Path, Version: r.Version}
		if r.Error != "" {
			c.missing[m] = "go mod download: " + firstLine(r.Error)
			continue
		}
		full[m] = true
		c.full = append(c.full, m)
	}

	out, err = gocmd.Run(ctx, dir, env, nil, append([]string{"mod", "graph"}, modfileFlag...)...)
	if err != nil {
		return nil, nil, offlineHint(err, offline)
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
	sortVersions(c.full)
	sortVersions(c.graph)
	return c, main, nil
}

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
// downloads are verified against the project's own go.sum. (A workspace
// cannot take -modfile; there go may add lines to go.work.sum, as its own
// go mod download would.)
func scratchModfile(gomod string) (flag []string, cleanup func(), err error) {
	tmp, err := os.MkdirTemp("", "modcache-project-")
	if err != nil {
		return nil, func() {}, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	for _, name := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(filepath.Dir(gomod), name))
		if errors.Is(err, fs.ErrNotExist) && name == "go.sum" {
			continue // a project with no dependencies has none
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(tmp, name), data, 0o644)
		}
		if err != nil {
			cleanup()
			return nil, func() {}, err
		}
	}
	return []string{"-modfile=" + filepath.Join(tmp, "go.mod")}, cleanup, nil
}
