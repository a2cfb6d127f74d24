package cache

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"golang.org/x/mod/module"

	"github.com/modcache/modcache/internal/gocmd"
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
	Skipped  []Skip     `json:"skipped"`  // locked by a go command
	// Kept are damaged versions left as they were because no good copy
	// could be had to replace them with; Reason says why.
	Kept   []Skip  `json:"kept"`
	Errors []error `json:"-"`
}

// RepairOptions say where good copies come from and what they must match.
type RepairOptions struct {
	// GoEnv is the go command's environment (GOPROXY, GOSUMDB, ...);
	// GOMODCACHE is set by Repair.
	GoEnv []string
	// Projects are directories whose go.sum a fresh copy must agree with,
	// as in VerifyOptions.
	Projects []string
}

// Repair fixes what a verify found, only where it found it, and never
// leaves a version worse than it was. A version whose only damage is in
// its extracted tree keeps its verified zip: the tree is evicted and go
// re-extracts it offline. Any other damaged version is replaced whole, but
// only by a good copy: go mod download fetches it first into a scratch
// cache, where it must pass verify (and the projects' go.sum) and hash to
// what go recorded when it first downloaded it. Only then is the damaged
// copy evicted, with the safe-delete protocol, and the good one installed
// by go from the scratch cache. A version with no good copy (no remote, or
// a remote serving the same damage back) is left as it was and reported:
// evicting it would break builds that work now. A list that disagrees
// with the .mod files is rewritten as go writes it. A hash is never
// "fixed" by rewriting .ziphash.
func Repair(ctx context.Context, root string, findings []Finding, opts RepairOptions) (*RepairResult, error) {
	res := &RepairResult{Repaired: []Repaired{}, Relisted: []string{}, Skipped: []Skip{}, Kept: []Skip{}}
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
	modes := map[module.Version]Mode{}
	var whole []module.Version
	for _, mv := range versions {
		modes[mv] = repairMode(root, mv, byVersion[mv])
		if modes[mv] == ModeFull {
			whole = append(whole, mv)
		}
	}

	scratch, err := os.MkdirTemp("", "modcache-repair-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(scratch)
	unfit, err := fetchGoodCopies(ctx, root, scratch, opts, whole, byVersion)
	if err != nil {
		return res, err
	}

	var trees, replaced []module.Version
	for _, mv := range versions {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		item := mv.Path + "@" + mv.Version
		if why, bad := unfit[mv]; bad {
			res.Kept = append(res.Kept, Skip{Item: item, Reason: why})
			continue
		}
		skip, err := evict(root, Action{Path: mv.Path, Version: mv.Version, Mode: modes[mv]}, defaultLockWait)
		switch {
		case err != nil:
			res.Errors = append(res.Errors, fmt.Errorf("%s: %w", item, err))
		case skip != "":
			res.Skipped = append(res.Skipped, Skip{Item: item, Reason: skip})
		default:
			res.Repaired = append(res.Repaired, Repaired{Path: mv.Path, Version: mv.Version, Mode: modes[mv]})
			if modes[mv] == ModeFull {
				replaced = append(replaced, mv)
			} else {
				trees = append(trees, mv)
			}
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

	// Trees are extracted again from the zips kept in the cache. Evicted
	// versions are installed from the scratch cache even if the caller
	// stops now: it reads only local files, and stopping in between would
	// lose the version.
	failed, err := Download(ctx, root, opts.GoEnv, trees, nil)
	if err != nil {
		return res, err
	}
	installed, err := Download(context.WithoutCancel(ctx), root, fromScratch(opts.GoEnv, scratch), replaced, nil)
	if err != nil {
		return res, err
	}
	for mv, msg := range installed {
		failed[mv] = msg
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

// fetchGoodCopies has go download vs into scratch, a cache of its own,
// through the user's GOPROXY and GOSUMDB, and says for each version why
// what it got cannot replace the damaged copy: go could not get it, verify
// finds it damaged too, or it is not what go recorded in root when it
// first downloaded the version (a GOPROXY that is this very cache serves
// the damage back).
func fetchGoodCopies(ctx context.Context, root, scratch string, opts RepairOptions, vs []module.Version, findings map[module.Version][]Finding) (map[module.Version]string, error) {
	unfit, err := download(ctx, scratch, opts.GoEnv, vs, nil, "-mod=mod -modcacherw")
	if err != nil {
		return nil, err
	}
	var got []*Version
	for _, mv := range vs {
		if _, bad := unfit[mv]; !bad {
			got = append(got, &Version{Path: mv.Path, Version: mv.Version})
		}
	}
	if len(got) == 0 {
		return unfit, nil
	}
	rep, err := NewVerifier(scratch, got, VerifyOptions{Projects: opts.Projects}).Run(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range rep.Findings {
		mv := module.Version{Path: f.Path, Version: f.Version}
		if _, seen := unfit[mv]; f.Version != "" && !seen {
			unfit[mv] = "the copy fetched again is damaged too: " + f.Detail
		}
	}
	for _, v := range got {
		mv := module.Version{Path: v.Path, Version: v.Version}
		if _, bad := unfit[mv]; bad {
			continue
		}
		if why := unlikeRecord(root, scratch, mv, findings[mv]); why != "" {
			unfit[mv] = why
		}
	}
	return unfit, nil
}

// unlikeRecord says how a fresh copy differs from the .ziphash go wrote
// when it first downloaded the version, after checking it against go.sum
// or the checksum database. That record is the reference unless it is
// itself what verify found damaged or a go.sum disputes it.
func unlikeRecord(root, scratch string, mv module.Version, fs []Finding) string {
	for _, f := range fs {
		if f.Kind == FindingZipHashBad || f.Kind == FindingGoSum {
			return ""
		}
	}
	p, err := PathsFor(root, mv.Path, mv.Version)
	if err != nil {
		return ""
	}
	recorded, err := ReadZipHash(p.ZipHash)
	if err != nil {
		return "" // no record to hold it to
	}
	q, err := PathsFor(scratch, mv.Path, mv.Version)
	if err != nil {
		return err.Error()
	}
	fresh, err := ReadZipHash(q.ZipHash)
	if err != nil {
		return "the copy fetched again: " + err.Error()
	}
	if fresh != recorded {
		return fmt.Sprintf("the remote serves content hashing to %s, but go recorded %s when it first downloaded it", fresh, recorded)
	}
	return ""
}

// fromScratch is the go environment that installs versions from the
// scratch cache: its download area as the only proxy, for every module.
// The copies there were checked as they were fetched; the checksum
// database is not asked again, so installing needs no network. GOENV=off
// keeps a GOPRIVATE or GONOPROXY set with go env -w from sending a module
// direct (go reads an empty variable as unset and falls back to that file).
func fromScratch(env []string, scratch string) []string {
	return append(slices.Clip(env),
		"GOPROXY="+gocmd.FileURL(filepath.Join(scratch, "cache", "download")),
		"GOSUMDB=off", "GOENV=off", "GONOSUMDB=", "GONOPROXY=", "GOPRIVATE=", "GOINSECURE=")
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
