package cache

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

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
// what vouches for the version (see unvouched). Only then is the damaged
// copy evicted, with the safe-delete protocol, and the good one installed
// by go from the scratch cache. A version with no good copy (no remote, or
// a remote serving the same damage back) is left as it was and reported:
// evicting it would break builds that work now. A list that disagrees
// with the .mod files is rewritten as go writes it. A hash is never
// "fixed" by rewriting .ziphash. Stopping Repair never loses a version: a
// version evicted is installed again before it returns.
func Repair(ctx context.Context, root string, findings []Finding, opts RepairOptions) (*RepairResult, error) {
	if err := CheckRoot(root); err != nil {
		return nil, err
	}
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
	module.Sort(versions)
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
	unfit := fetchGoodCopies(ctx, root, scratch, opts, whole, byVersion)
	if ctx.Err() != nil {
		return res, ctx.Err() // nothing was evicted yet
	}

	// partly are full evictions that failed part way: not repaired, but
	// the good copy is installed all the same, which completes whatever
	// the eviction did remove.
	var trees, replaced, partly []module.Version
	for _, mv := range versions {
		if ctx.Err() != nil {
			break // what was evicted is installed below
		}
		item := mv.Path + "@" + mv.Version
		if why, bad := unfit[mv]; bad {
			res.Kept = append(res.Kept, Skip{Item: item, Reason: why})
			continue
		}
		skip, err := evict(root, Action{Path: mv.Path, Version: mv.Version, Mode: modes[mv]}, defaultLockWait)
		switch {
		case err != nil && modes[mv] == ModeFull:
			res.Errors = append(res.Errors, fmt.Errorf("%s: evicting the damaged copy failed: %w", item, err))
			replaced = append(replaced, mv)
			partly = append(partly, mv)
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

	// Evicted versions go back first, from the scratch cache, even if the
	// caller has stopped: it reads only local files, and stopping in
	// between would lose them. The limit only guards against a go command
	// that holds a version's lock for good.
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), installLimit)
	defer cancel()
	failed := Download(ictx, root, fromScratch(opts.GoEnv, scratch), replaced, nil)
	if ctx.Err() == nil {
		for mv, msg := range Download(ctx, root, opts.GoEnv, trees, nil) {
			failed[mv] = msg
		}
		for path := range lists {
			if err := RewriteVersionList(root, path); err != nil {
				res.Errors = append(res.Errors, fmt.Errorf("%s: rewrite list: %w", path, err))
			} else {
				res.Relisted = append(res.Relisted, path)
			}
		}
		sort.Strings(res.Relisted)
	}
	for _, mv := range partly {
		if msg, bad := failed[mv]; bad {
			res.Errors = append(res.Errors, fmt.Errorf("%s@%s: installing the good copy after that failed too: %s", mv.Path, mv.Version, msg))
		}
	}
	for i := range res.Repaired {
		r := &res.Repaired[i]
		mv := module.Version{Path: r.Path, Version: r.Version}
		switch msg, bad := failed[mv]; {
		case bad:
			r.Note = "left evicted: " + msg
		case r.Mode == ModeDir && ctx.Err() != nil:
			r.Note = "tree not extracted again (stopped); go extracts it from the verified zip when a build needs it"
		default:
			r.Fetched = true
		}
	}
	return res, ctx.Err()
}

// installLimit bounds installing replacements from the scratch cache.
const installLimit = 10 * time.Minute

// fetchGoodCopies has go download vs into scratch, a cache of its own,
// through the user's GOPROXY and GOSUMDB, and says for each version why
// what it got cannot replace the damaged copy: go could not get it, verify
// finds it damaged too, or nothing vouches for it (unvouched).
func fetchGoodCopies(ctx context.Context, root, scratch string, opts RepairOptions, vs []module.Version, findings map[module.Version][]Finding) map[module.Version]string {
	unfit := download(ctx, scratch, opts.GoEnv, vs, nil, "-mod=mod -modcacherw", modDownload)
	var got []*Version
	for _, mv := range vs {
		if _, bad := unfit[mv]; !bad {
			got = append(got, &Version{Path: mv.Path, Version: mv.Version})
		}
	}
	if len(got) == 0 {
		return unfit
	}
	rep, err := NewVerifier(scratch, got, VerifyOptions{Projects: opts.Projects}).Run(ctx)
	if err != nil {
		for _, v := range got {
			unfit[module.Version{Path: v.Path, Version: v.Version}] = "checking the copy fetched again: " + err.Error()
		}
		return unfit
	}
	for _, f := range rep.Findings {
		mv := module.Version{Path: f.Path, Version: f.Version}
		if _, seen := unfit[mv]; f.Version != "" && !seen {
			unfit[mv] = "the copy fetched again is damaged too: " + f.Detail
		}
	}
	// The cache's records, and scratch's, which go wrote as it checked
	// the copies against the checksum database.
	known := NewKnownSums(root, scratch)
	for _, dir := range opts.Projects {
		known.AddGoSumFile(filepath.Join(dir, "go.sum"))
	}
	for _, v := range got {
		mv := module.Version{Path: v.Path, Version: v.Version}
		if _, bad := unfit[mv]; bad {
			continue
		}
		if why := unvouched(root, scratch, mv, findings[mv], known.Known(mv, false)); why != "" {
			unfit[mv] = why
		}
	}
	return unfit
}

// unvouched says why a fresh copy cannot be trusted to replace the
// damaged one, or "" when something vouches for it. Records that do not
// come from the module's own files decide first: vouch, the checksum
// database records go cached and the projects' go.sum lines. Failing
// those, the .ziphash go wrote when it first downloaded the version,
// after checking it then. When that .ziphash is itself in dispute (the
// zip and the tree both disagree with it, or a go.sum does), nothing says
// which is right: a GOPROXY that is this very cache, with GOSUMDB off,
// would serve the damage back, so the version is left alone.
func unvouched(root, scratch string, mv module.Version, fs []Finding, vouch []string) string {
	q, err := PathsFor(scratch, mv.Path, mv.Version)
	if err != nil {
		return err.Error()
	}
	fresh, err := ReadZipHash(q.ZipHash)
	if err != nil {
		return "the copy fetched again: " + err.Error()
	}
	if len(vouch) > 0 {
		if slices.Contains(vouch, fresh) {
			return ""
		}
		return fmt.Sprintf("the remote serves content hashing to %s, but the checksum database or go.sum says %s", fresh, vouch[0])
	}
	p, err := PathsFor(root, mv.Path, mv.Version)
	if err != nil {
		return err.Error()
	}
	recorded, err := ReadZipHash(p.ZipHash)
	switch {
	case err != nil:
		return "" // no record to hold it to
	case fresh == recorded:
		return ""
	case slices.ContainsFunc(fs, func(f Finding) bool { return f.Kind == FindingZipHashBad || f.Kind == FindingGoSum }):
		return fmt.Sprintf("the remote serves %s, .ziphash says %s, and no checksum database record or go.sum line says which is right (repair with GOSUMDB on, or --project with a go.sum that lists it)", fresh, recorded)
	default:
		return fmt.Sprintf("the remote serves content hashing to %s, but go recorded %s when it first downloaded it", fresh, recorded)
	}
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
// wrong and the zip, .mod and .info remain to extract from.
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
	// .info too: go mod download needs it to re-extract offline.
	for _, name := range []string{p.Zip, p.ZipHash, p.Mod, p.Info} {
		if _, err := os.Lstat(name); err != nil {
			return ModeFull
		}
	}
	return ModeDir
}
