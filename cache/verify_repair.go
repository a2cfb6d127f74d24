package cache

import (
	"context"
	"fmt"
	"os"
	"sort"

	"golang.org/x/mod/module"
)

// Repaired is one damaged version after repair.
type Repaired struct {
	Path    string `json:"path"`
	Version string `json:"version"`
	Mode    Mode   `json:"mode"`    // how it was evicted: dir when only its tree was bad
	Fetched bool   `json:"fetched"` // go mod download brought it back
	Note    string `json:"note,omitempty"`
}

// RepairResult is what Repair did.
type RepairResult struct {
	Repaired []Repaired `json:"repaired"`
	Relisted []string   `json:"relisted"` // modules whose list was rewritten
	Skipped  []Skip     `json:"skipped"`
	Errors   []error    `json:"-"`
}

// Repair fixes what a verify found, only where it found it: each damaged
// version is evicted with the safe-delete protocol, then fetched again
// with go mod download (goEnv is the go command's environment; GOMODCACHE
// is set to root). A version whose only damage is in its extracted tree
// keeps its verified zip, and go re-extracts it offline; anything else is
// evicted whole. A version no remote can serve stays evicted, and the
// result says so. A list that disagrees with the .mod files is rewritten
// as go writes it. A hash is never "fixed" by rewriting .ziphash.
func Repair(ctx context.Context, root string, findings []Finding, goEnv []string) (*RepairResult, error) {
	res := &RepairResult{Repaired: []Repaired{}, Relisted: []string{}, Skipped: []Skip{}}
	byVersion := map[module.Version][]Finding{}
	lists := map[string]bool{}
	for _, f := range findings {
		if f.Version == "" {
			lists[f.Path] = true
			continue
		}
		mv := module.Version{Path: f.Path, Version: f.Version}
		byVersion[mv] = append(byVersion[mv], f)
	}
	versions := make([]module.Version, 0, len(byVersion))
	for mv := range byVersion {
		versions = append(versions, mv)
	}
	sort.Slice(versions, func(i, j int) bool {
		if versions[i].Path != versions[j].Path {
			return versions[i].Path < versions[j].Path
		}
		return versions[i].Version < versions[j].Version
	})

	var evicted []module.Version
	for _, mv := range versions {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		mode := repairMode(root, mv, byVersion[mv])
		skip, err := evict(root, Action{Path: mv.Path, Version: mv.Version, Mode: mode}, defaultLockWait)
		switch {
		case err != nil:
			res.Errors = append(res.Errors, fmt.Errorf("%s@%s: %w", mv.Path, mv.Version, err))
		case skip != "":
			res.Skipped = append(res.Skipped, Skip{Item: mv.Path + "@" + mv.Version, Reason: skip})
		default:
			res.Repaired = append(res.Repaired, Repaired{Path: mv.Path, Version: mv.Version, Mode: mode})
			evicted = append(evicted, mv)
			delete(lists, mv.Path) // evict rewrote it
		}
	}
	for path := range lists {
		if err := RewriteVersionList(root, path); err != nil {
			res.Errors = append(res.Errors, fmt.Errorf("%s: rewrite list: %w", path, err))
		} else {
			res.Relisted = append(res.Relisted, path)
		}
	}
	sort.Strings(res.Relisted)
	if len(evicted) == 0 {
		return res, nil
	}
	failed, err := Download(ctx, root, goEnv, evicted, nil)
	if err != nil {
		return res, err
	}
	for i := range res.Repaired {
		r := &res.Repaired[i]
		if msg, bad := failed[module.Version{Path: r.Path, Version: r.Version}]; bad {
			r.Note = "left evicted: " + msg
		} else {
			r.Fetched = true
		}
	}
	return res, nil
}

// repairMode picks the smallest eviction that removes the damage: the
// tree alone when nothing but the tree (or an interrupted extraction) is
// wrong and a zip and .mod remain to extract from.
func repairMode(root string, mv module.Version, fs []Finding) Mode {
	for _, f := range fs {
		if f.Kind != FindingTree && f.Kind != FindingPartial {
			return ModeFull
		}
	}
	p, err := PathsFor(root, mv.Path, mv.Version)
	if err != nil {
		return ModeFull
	}
	for _, name := range []string{p.Zip, p.ZipHash, p.Mod} {
		if _, err := os.Lstat(name); err != nil {
			return ModeFull
		}
	}
	return ModeDir
}
