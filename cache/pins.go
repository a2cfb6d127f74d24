package cache

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"github.com/modcache/modcache/internal/gocmd"
	"github.com/modcache/modcache/internal/parallel"
)

// GoSumLine is one line of a go.sum file.
type GoSumLine struct {
	Path    string
	Version string // without the /go.mod suffix
	GoMod   bool   // the hash is of the version's go.mod, not its content
	Hash    string // "h1:..."
}

// ReadGoSum parses a go.sum file. Malformed lines are skipped, as go
// itself does when reading (it reports them only when writing).
func ReadGoSum(path string) ([]GoSumLine, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseGoSum(data), nil
}

// parseGoSum parses go.sum lines; a checksum database record's text is in
// the same form.
func parseGoSum(data []byte) []GoSumLine {
	var out []GoSumLine
	for line := range strings.SplitSeq(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		l := GoSumLine{Path: f[0], Version: f[1], Hash: f[2]}
		l.Version, l.GoMod = strings.CutSuffix(l.Version, "/go.mod")
		out = append(out, l)
	}
	return out
}

// ProjectPins returns the module versions the project in dir needs: every
// version its go.sum names (content and /go.mod lines alike), its go.mod
// requirements and replacements, and its build list as `go list -m all`
// computes it offline. goEnv is the go command's environment and must
// name the module cache being pruned (GOMODCACHE); nil skips go list.
// note says what could not be read when the pins are still usable.
func ProjectPins(ctx context.Context, dir string, goEnv []string) (pins map[module.Version]bool, note string, err error) {
	gomod := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(gomod)
	if err != nil {
		return nil, "", fmt.Errorf("project %s: %w (a project to keep must have a go.mod)", dir, err)
	}
	pins = map[module.Version]bool{}
	// Parse, not ParseLax: replacements matter in a main module.
	f, err := modfile.Parse(gomod, data, nil)
	if err != nil {
		return nil, "", fmt.Errorf("project %s: %v", dir, err)
	}
	for _, r := range f.Require {
		pins[r.Mod] = true
	}
	for _, r := range f.Replace {
		if r.New.Version != "" {
			pins[r.New] = true
		}
	}
	sums, err := ReadGoSum(filepath.Join(dir, "go.sum"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("project %s: %w", dir, err)
	}
	for _, l := range sums {
		pins[module.Version{Path: l.Path, Version: l.Version}] = true
	}
	if goEnv == nil {
		return pins, "", nil
	}
	if err := buildList(ctx, dir, goEnv, pins); err != nil {
		return pins, fmt.Sprintf("project %s: the build list could not be computed offline (%v); kept what go.mod and go.sum name", dir, err), nil
	}
	return pins, "", nil
}

// buildList adds `go list -m all` to pins. It runs offline and read-only
// (GOPROXY=off, -mod=readonly), so it neither downloads nor edits the
// user's go.mod; it fails when the cache lacks a .mod the graph needs.
func buildList(ctx context.Context, dir string, goEnv []string, pins map[module.Version]bool) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	out, err := gocmd.Run(ctx, dir, append(slices.Clip(goEnv), "GOPROXY=off", "GOFLAGS=-mod=readonly"), nil, "list", "-m", "-json", "all")
	var ge *gocmd.Error
	switch {
	case errors.As(err, &ge):
		return errors.New(ge.Reason)
	case err != nil:
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m struct {
			Path, Version string
			Replace       *struct{ Path, Version string }
		}
		if err := dec.Decode(&m); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("go list: %v", err)
		}
		if m.Version != "" {
			pins[module.Version{Path: m.Path, Version: m.Version}] = true
		}
		if m.Replace != nil && m.Replace.Version != "" {
			pins[module.Version{Path: m.Replace.Path, Version: m.Replace.Version}] = true
		}
	}
}

// PinProjects reads the pins of several projects, a few at a time since
// each runs the go command. Notes collect what was only partly read. The
// error is the first project's that failed, or ctx's once it is done: a
// cancelled read leaves pins incomplete, and a prune must not trust them.
func PinProjects(ctx context.Context, dirs []string, goEnv []string) (map[module.Version]bool, []string, error) {
	pins := map[module.Version]bool{}
	var notes []string
	var firstErr error
	var mu sync.Mutex
	parallel.Each(ctx, max(2, runtime.GOMAXPROCS(0)), len(dirs), func(i int) {
		p, note, err := ProjectPins(ctx, dirs[i], goEnv)
		mu.Lock()
		defer mu.Unlock()
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if note != "" {
			notes = append(notes, note)
		}
		for v := range p {
			pins[v] = true
		}
	})
	if firstErr == nil {
		firstErr = ctx.Err() // projects not read: the pins are incomplete
	}
	sort.Strings(notes)
	return pins, notes, firstErr
}

// ProjectDirs expands keep-projects globs such as ~/src/* into the
// directories among their matches that hold a go.mod. A glob that
// matches no project is reported in notes, not as an error: a shared
// config may name directories some machines lack.
func ProjectDirs(globs []string) (dirs, notes []string, err error) {
	seen := map[string]bool{}
	for _, g := range globs {
		pattern := g
		if rest, ok := strings.CutPrefix(g, "~"); ok && (rest == "" || rest[0] == '/' || rest[0] == filepath.Separator) {
			home, err := os.UserHomeDir()
			if err != nil {
				return nil, nil, fmt.Errorf("keep-projects %q: %v", g, err)
			}
			pattern = filepath.Join(home, rest)
		}
		matches, err := filepath.Glob(pattern)
		if err != nil {
			return nil, nil, fmt.Errorf("keep-projects %q: %v", g, err)
		}
		n := 0
		for _, m := range matches {
			if fi, err := os.Stat(filepath.Join(m, "go.mod")); err == nil && fi.Mode().IsRegular() && !seen[m] {
				seen[m] = true
				dirs = append(dirs, m)
				n++
			}
		}
		if n == 0 {
			notes = append(notes, fmt.Sprintf("keep-projects %q matches no directory with a go.mod", g))
		}
	}
	return dirs, notes, nil
}
