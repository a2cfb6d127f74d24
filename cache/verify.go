package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"

	"github.com/modcache/modcache/internal/parallel"
)

// VerifyOptions tune a Verifier.
type VerifyOptions struct {
	// Projects are directories whose go.sum lines are checked against
	// the cache: a disagreement is the most serious finding.
	Projects []string
	// Workers bounds parallel hashing; 0 means GOMAXPROCS.
	Workers int
	// ZipHashes, when set, learns the hash of every zip that passes
	// zip.CheckZip, so a push after this verify need not inflate it
	// again. Verify itself always hashes from scratch.
	ZipHashes *ZipHashes
}

// VerifyProgress is a snapshot of a running verify, cheap enough to poll
// every 100 ms.
type VerifyProgress struct {
	Versions int    // versions checked
	Total    int    // versions to check
	Files    int64  // files hashed
	Bytes    int64  // bytes hashed
	Current  string // a version being checked
}

// Fraction is how far the verify is, for a progress bar.
func (p VerifyProgress) Fraction() float64 {
	return float64(p.Versions) / float64(max(1, p.Total))
}

// VerifyReport is the outcome of a verify.
type VerifyReport struct {
	Versions int       `json:"versions"` // versions checked
	Files    int64     `json:"files"`
	Bytes    int64     `json:"bytes"`
	Findings []Finding `json:"findings"` // by path, version, kind
	// Stopped is set on the report of a cancelled run: it covers the
	// versions checked before the stop, and no module's list.
	Stopped bool `json:"stopped,omitempty"`
}

// Damaged returns the versions with findings, in order. Findings about a
// module's list have an empty Version and are not included.
func (r *VerifyReport) Damaged() []module.Version {
	var out []module.Version
	for _, f := range r.Findings {
		mv := module.Version{Path: f.Path, Version: f.Version}
		if f.Version != "" && (len(out) == 0 || out[len(out)-1] != mv) {
			out = append(out, mv)
		}
	}
	return out
}

// Serious reports whether any finding suggests tampering or corruption.
func (r *VerifyReport) Serious() bool {
	for _, f := range r.Findings {
		if f.Serious {
			return true
		}
	}
	return false
}

// Verifier checks module versions in a cache the way go would trust
// them, and more: zips against .ziphash, extracted trees against the same
// hash, metadata, list files, states go rejects, and projects' go.sum
// lines. It never writes to the cache (only, when asked, to the memo of
// checked zip hashes). Run it once; poll Progress from other goroutines.
type Verifier struct {
	root     string
	versions []*Version
	opts     VerifyOptions

	n       counter
	done    atomic.Int64
	current atomic.Pointer[string]
}

// NewVerifier prepares a verify of versions (from a scan) under root.
func NewVerifier(root string, versions []*Version, opts VerifyOptions) *Verifier {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	return &Verifier{root: root, versions: versions, opts: opts}
}

// Progress returns the counters so far.
func (v *Verifier) Progress() VerifyProgress {
	p := VerifyProgress{
		Versions: int(v.done.Load()), Total: len(v.versions),
		Files: v.n.files.Load(), Bytes: v.n.bytes.Load(),
	}
	if c := v.current.Load(); c != nil {
		p.Current = *c
	}
	return p
}

// goSums maps a version to the go.sum lines naming it, with their source.
type goSums map[module.Version][]sumLine

type sumLine struct {
	GoSumLine
	file string
}

func readGoSums(projects []string) (goSums, error) {
	out := goSums{}
	for _, dir := range projects {
		file := filepath.Join(dir, "go.sum")
		lines, err := ReadGoSum(file)
		if err != nil {
			return nil, fmt.Errorf("project %s: %w", dir, err)
		}
		for _, l := range lines {
			mv := module.Version{Path: l.Path, Version: l.Version}
			out[mv] = append(out[mv], sumLine{l, file})
		}
	}
	return out, nil
}

// Run checks every version, in parallel, then every module's list. A
// cancelled run returns ctx's error with what it found until then.
func (v *Verifier) Run(ctx context.Context) (*VerifyReport, error) {
	sums, err := readGoSums(v.opts.Projects)
	if err != nil {
		return nil, err
	}
	// The checksum database records go cached are checked like go.sum
	// lines: a zip, .ziphash and tree changed together still disagree
	// with the record go checked them against at download.
	dbs, _ := SumDBDatabases(v.root) // none readable: no records to check
	var (
		mu       sync.Mutex
		findings []Finding
	)
	parallel.Each(ctx, v.opts.Workers, len(v.versions), func(i int) {
		hs := getHasher(&v.n)
		defer hashers.Put(hs)
		ver := v.versions[i]
		name := ver.Path + "@" + ver.Version
		v.current.Store(&name)
		mv := module.Version{Path: ver.Path, Version: ver.Version}
		lines := sums[mv]
		for _, l := range SumDBLines(v.root, dbs, mv) {
			lines = append(lines, sumLine{l, "the cached checksum database record"})
		}
		fs := v.check(hs, ver, lines)
		mu.Lock()
		findings = append(findings, fs...)
		mu.Unlock()
		v.done.Add(1)
	})
	v.opts.ZipHashes.Save() // what was hashed holds even if cancelled
	stopped := ctx.Err()
	if int(v.done.Load()) == len(v.versions) {
		stopped = nil // the stop came after the last version: finish
	}
	seen := map[string]bool{}
	for _, ver := range v.versions {
		if !seen[ver.Path] && stopped == nil {
			seen[ver.Path] = true
			findings = append(findings, checkList(v.root, ver.Path)...)
		}
	}
	sort.SliceStable(findings, func(i, j int) bool {
		a, b := findings[i], findings[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		return a.Kind < b.Kind
	})
	if findings == nil {
		findings = []Finding{} // [] in JSON
	}
	return &VerifyReport{
		Versions: int(v.done.Load()), Files: v.n.files.Load(), Bytes: v.n.bytes.Load(),
		Findings: findings, Stopped: stopped != nil,
	}, stopped
}

// check verifies one version. Files that are absent are not findings in
// themselves (a graph-only version has no zip), only combinations go
// rejects are.
func (v *Verifier) check(hs *hasher, ver *Version, gosum []sumLine) []Finding {
	var out []Finding
	add := func(kind string, serious bool, format string, args ...any) {
		out = append(out, Finding{Path: ver.Path, Version: ver.Version, Kind: kind, Detail: fmt.Sprintf(format, args...), Serious: serious})
	}
	f, err := PathsFor(v.root, ver.Path, ver.Version)
	if err != nil {
		add(FindingState, false, "%v", err)
		return out
	}
	exists := func(p string) bool { _, err := os.Lstat(p); return err == nil }
	zipFi, zipErr := os.Lstat(f.Zip) // kept: the memo of zip hashes needs it
	treeFi, treeErr := os.Lstat(f.Tree)
	hasZip, hasTree := zipErr == nil, treeErr == nil
	// go writes plain files and directories. Through a symlink, verify
	// would read (and report on) files outside the cache.
	symlink := func(fi fs.FileInfo, p, what string) bool {
		if fi == nil || fi.Mode()&fs.ModeSymlink == 0 {
			return false
		}
		target, _ := os.Readlink(p)
		add(FindingState, false, "the %s is a symlink (to %s), which go never writes; not read through", what, target)
		return true
	}
	hasTree = hasTree && !symlink(treeFi, f.Tree, "extracted tree")
	hasZip = hasZip && !symlink(zipFi, f.Zip, "zip")

	// The .info as the scan and a push judge it; a version may have none.
	if _, problem, _ := readInfo(f.Info, ver.Version); problem != "" && exists(f.Info) {
		add(FindingInfoInvalid, false, "%s", problem)
	}
	// .mod and .ziphash count as present unless missing: one that cannot
	// be read is there, and damaged.
	mod, err := readFileNoAtime(f.Mod, modzip.MaxGoMod)
	hasMod := !errors.Is(err, fs.ErrNotExist)
	switch {
	case err == nil:
		if _, err := modfile.ParseLax("go.mod", mod, nil); err != nil {
			add(FindingModInvalid, false, ".mod does not parse: %s", firstLine(err.Error()))
		}
	case hasMod:
		add(FindingModInvalid, false, "cannot read .mod: %s", errText(err))
	}
	want, err := ReadZipHash(f.ZipHash)
	hasHash := !errors.Is(err, fs.ErrNotExist)
	if err != nil && hasHash {
		add(FindingZipHashBad, false, "%v", err)
	}

	// The zip: well-formed for its module, and hashing to .ziphash.
	var zipSums sums
	var zipMod []byte
	zipH1 := ""
	if hasZip {
		m := module.Version{Path: ver.Path, Version: ver.Version}
		if _, err := modzip.CheckZip(m, f.Zip); err != nil {
			add(FindingZipInvalid, true, "zip is invalid: %s", firstLine(err.Error()))
		} else if zs, gomod, err := hs.zip(f.Zip, ver.Path+"@"+ver.Version+"/go.mod"); err != nil {
			add(FindingZipInvalid, true, "zip cannot be read: %s", firstLine(err.Error()))
		} else {
			zipSums, zipMod = zs, gomod
			zipH1, _ = zs.h1()
			if zipH1 != "" {
				v.opts.ZipHashes.Store(f.Zip, zipFi, zipH1)
			}
		}
	}

	// The tree: only when go would use it (no .partial), against .ziphash,
	// naming the files that differ from the zip when there is one.
	partial := exists(f.Partial)
	if partial && !lockHeld(f.Lock) {
		add(FindingPartial, false, "an extraction was interrupted (.partial without a running go command); go will remove the tree and extract again")
	}
	var treeSums sums
	treeH1 := ""
	if hasTree && !partial {
		ts, problems, err := hs.tree(f.Tree, ver.Path+"@"+ver.Version)
		switch {
		case err != nil:
			add(FindingTree, false, "cannot read the extracted tree: %s", errText(err))
		case len(problems) > 0:
			p := problems[0]
			more := ""
			if len(problems) > 1 {
				more = fmt.Sprintf(" (and %d more problems)", len(problems)-1)
			}
			add(FindingTree, true, "extracted tree: %s %s%s", fileName(p.name), p.err, more)
		default:
			treeSums = ts
			treeH1, _ = ts.h1()
		}
		if !hasHash && !hasZip {
			add(FindingState, false, "extracted tree without .ziphash or zip: go ignores it and cannot verify it")
		}
	}
	if (hasTree || hasZip) && !hasMod {
		add(FindingState, false, ".mod missing: offline builds that need this module fail")
	}
	if hasZip && !hasHash {
		add(FindingState, false, ".ziphash missing: go mod verify fails until go re-hashes the zip")
	}

	switch {
	case want == "":
		if zipH1 != "" && treeH1 != "" && zipH1 != treeH1 {
			add(FindingTree, true, "extracted tree differs from the zip: %s", diffSums(treeSums, zipSums))
		}
	case zipH1 != "" && treeH1 != "" && zipH1 == treeH1 && zipH1 != want:
		// The record is the odd one out: the damaged file is .ziphash.
		add(FindingZipHashBad, true, ".ziphash says %s, but the zip and the extracted tree both hash to %s", want, zipH1)
	default:
		if zipH1 != "" && zipH1 != want {
			add(FindingZipHash, true, "zip hashes to %s but .ziphash says %s", zipH1, want)
		}
		if treeH1 != "" && treeH1 != want {
			if zipSums != nil && zipH1 == want {
				add(FindingTree, true, "extracted tree differs from the zip: %s", diffSums(treeSums, zipSums))
			} else {
				add(FindingTree, true, "extracted tree hashes to %s but .ziphash says %s", treeH1, want)
			}
		}
	}

	// A version's .mod is the go.mod in its zip (go synthesizes one for
	// modules without); a difference means one of them changed.
	zipModH1 := ""
	if zipMod != nil {
		zipModH1 = HashGoMod(zipMod)
		if mod != nil && !bytes.Equal(zipMod, mod) {
			add(FindingModInvalid, true, ".mod differs from the go.mod in the zip")
		}
	}
	modH1 := ""
	if mod != nil {
		modH1 = HashGoMod(mod)
	}

	// A go.sum line is checked against every copy the cache holds. When
	// some copies agree with it, the others disagree with them too and
	// were reported above; when none does, the cache as a whole holds
	// other content than the project was built with.
	for _, l := range gosum {
		have := []struct{ what, sum string }{{".ziphash", want}, {"the zip", zipH1}, {"the extracted tree", treeH1}}
		if l.GoMod {
			have = []struct{ what, sum string }{{".mod", modH1}, {"the go.mod in the zip", zipModH1}}
		}
		var first struct{ what, sum string }
		agree := false
		for _, h := range have {
			if h.sum == "" {
				continue
			}
			if first.sum == "" {
				first = h
			}
			agree = agree || h.sum == l.Hash
		}
		if first.sum != "" && !agree {
			line := l.Version
			if l.GoMod {
				line += "/go.mod"
			}
			add(FindingGoSum, true, "%s says %s %s, but %s has %s", l.file, line, l.Hash, first.what, first.sum)
		}
	}
	return out
}

// fileName drops the path@version/ prefix from a hashed file name.
func fileName(hashed string) string {
	at := strings.IndexByte(hashed, '@')
	if at < 0 {
		return hashed
	}
	if i := strings.IndexByte(hashed[at:], '/'); i >= 0 {
		return hashed[at+i+1:]
	}
	return hashed
}

// checkList compares a module's list with the versions whose .mod is
// present, which is what go writes there.
func checkList(root, modPath string) []Finding {
	escPath, err := module.EscapePath(modPath)
	if err != nil {
		return nil
	}
	dir := filepath.Join(root, "cache", "download", filepath.FromSlash(escPath), "@v")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	want := map[string]bool{}
	for _, v := range versionsWithMod(names) {
		want[v] = true
	}
	data, err := readFileNoAtime(filepath.Join(dir, "list"), 16<<20)
	if errors.Is(err, fs.ErrNotExist) && len(want) == 0 {
		return nil
	}
	finding := func(detail string) []Finding {
		return []Finding{{Path: modPath, Kind: FindingList, Detail: detail}}
	}
	if err != nil {
		return finding("cannot read list: " + errText(err))
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return finding("list holds NUL bytes: a write was torn")
	}
	have := map[string]bool{}
	var extra []string
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		have[line] = true
		if !want[line] {
			extra = append(extra, line)
		}
	}
	var missing []string
	for v := range want {
		if !have[v] {
			missing = append(missing, v)
		}
	}
	if len(extra) == 0 && len(missing) == 0 {
		return nil
	}
	sort.Strings(extra)
	sort.Strings(missing)
	var parts []string
	if len(extra) > 0 {
		parts = append(parts, "names "+strings.Join(extra, ", ")+" without a .mod")
	}
	if len(missing) > 0 {
		parts = append(parts, "misses "+strings.Join(missing, ", "))
	}
	return finding("list " + strings.Join(parts, " and "))
}
