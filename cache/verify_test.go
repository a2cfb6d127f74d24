package cache

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rogpeppe/go-internal/lockedfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"

	"github.com/modcache/modcache/internal/fixture"
	"github.com/modcache/modcache/internal/gocmd"
)

func prVerify(t *testing.T, root string, projects ...string) *VerifyReport {
	t.Helper()
	c := prScan(t, root)
	v := NewVerifier(root, c.Select(nil), VerifyOptions{Projects: projects})
	rep, err := v.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p := v.Progress(); p.Versions != p.Total || p.Total != c.VersionCount() || p.Files != rep.Files || p.Bytes != rep.Bytes {
		t.Errorf("final progress %+v, report files %d bytes %d", p, rep.Files, rep.Bytes)
	}
	return rep
}

func TestVerifyCleanCache(t *testing.T) {
	fc := fixture.NewCache(t)
	// An extraction in progress is not damage.
	_, base := fc.Files(t, "example.com/gamma/v2", "v2.0.0")
	unlock, err := lockedfile.MutexAt(base + ".lock").Lock()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(base+".partial", nil, 0o644)
	rep := prVerify(t, fc.Root, fc.Project)
	unlock()
	os.Remove(base + ".partial")
	if len(rep.Findings) != 0 {
		t.Errorf("clean cache: %v", rep.Findings)
	}
	// Every tree file once (gamma's is being extracted, so skipped) and
	// every zip once.
	var files int64
	for _, v := range prScan(t, fc.Root).Select(nil) {
		if v.Has&HasZip != 0 {
			files++
		}
		if v.Path != "example.com/gamma/v2" {
			files += int64(v.Files)
		}
	}
	if rep.Versions != 8 || rep.Files != files || rep.Bytes < 90_000 {
		t.Errorf("report %d versions, %d files (want %d), %d bytes", rep.Versions, rep.Files, files, rep.Bytes)
	}
}

// A stopped verify returns a report of what it checked before the stop
// (here, nothing), marked as stopped, along with the context's error.
func TestVerifyStoppedKeepsWhatItFound(t *testing.T) {
	fc := fixture.NewCache(t)
	vs := prScan(t, fc.Root).Select(nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := NewVerifier(fc.Root, vs, VerifyOptions{ZipHashes: OpenZipHashes(fc.Root, ZipHashesOff)}).Run(ctx)
	if !errors.Is(err, context.Canceled) || rep == nil || !rep.Stopped {
		t.Fatalf("Run = %+v, %v; want a stopped report and context.Canceled", rep, err)
	}
	if rep.Versions != 0 || rep.Findings == nil {
		t.Errorf("stopped before it began: %d versions checked, findings %v", rep.Versions, rep.Findings)
	}
}

// A symlink where go writes a tree or a zip is reported, and verify does
// not read through it to files outside the cache.
func TestVerifyDoesNotFollowSymlinks(t *testing.T) {
	fc := fixture.NewCache(t)
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "CANARY"), []byte("outside"), 0o644)
	f, _ := PathsFor(fc.Root, "example.com/alpha", "v1.2.0")
	os.Chmod(filepath.Dir(f.Tree), 0o755)
	removeTree(t, f.Tree)
	if err := os.Symlink(outside, f.Tree); err != nil {
		t.Fatal(err)
	}
	// And a .ziphash that points at a file outside.
	os.WriteFile(filepath.Join(outside, "secret"), []byte("SECRET"), 0o644)
	b, _ := PathsFor(fc.Root, "example.com/beta", "v1.1.0")
	os.Chmod(filepath.Dir(b.ZipHash), 0o755)
	os.Remove(b.ZipHash)
	os.Symlink(filepath.Join(outside, "secret"), b.ZipHash)
	rep := prVerify(t, fc.Root)
	found := false
	for _, x := range rep.Findings {
		if strings.Contains(x.Detail, "CANARY") || strings.Contains(x.Detail, "SECRET") {
			t.Errorf("verify read through the symlink: %v", x)
		}
		found = found || x.Path == "example.com/alpha" && x.Version == "v1.2.0" && strings.Contains(x.Detail, "extracted tree is a symlink")
	}
	if !found {
		t.Errorf("the symlinked tree is not reported: %v", rep.Findings)
	}
	// Repair leaves it alone, saying what to remove, and writes no
	// .partial that would change the finding.
	res, err := Repair(context.Background(), fc.Root, rep.Findings, RepairOptions{GoEnv: fc.Env})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, "remove it by hand") || len(res.Errors) > 0 {
		t.Errorf("repair of a symlinked tree: skipped %+v, errors %v", res.Skipped, res.Errors)
	}
	if _, err := os.Lstat(f.Partial); err == nil {
		t.Error("repair left a .partial")
	}
	if _, err := os.Stat(filepath.Join(outside, "CANARY")); err != nil {
		t.Errorf("the file outside the cache is gone: %v", err)
	}
}

// TestVerifyHashesAreGos checks our one-read hashing gives exactly what
// dirhash gives go (HashZip, and HashDir with the path@version prefix).
func TestVerifyHashesAreGos(t *testing.T) {
	fc := fixture.NewCache(t)
	for _, mv := range []module.Version{{Path: "example.com/alpha", Version: "v1.2.0"}, {Path: "example.com/Azure/Storage", Version: "v0.1.0"}} {
		f, _ := PathsFor(fc.Root, mv.Path, mv.Version)
		hs := newHasher(&counter{})
		zs, _, err := hs.zip(f.Zip, "")
		if err != nil {
			t.Fatal(err)
		}
		ts, problems, err := hs.tree(f.Tree, mv.Path+"@"+mv.Version)
		if err != nil || len(problems) > 0 {
			t.Fatal(err, problems)
		}
		wantZip, _ := dirhash.HashZip(f.Zip, dirhash.DefaultHash)
		wantDir, _ := dirhash.HashDir(f.Tree, mv.Path+"@"+mv.Version, dirhash.DefaultHash)
		if got, _ := zs.h1(); got != wantZip {
			t.Errorf("%v zip: %s, dirhash says %s", mv, got, wantZip)
		}
		if got, _ := ts.h1(); got != wantDir {
			t.Errorf("%v tree: %s, dirhash says %s", mv, got, wantDir)
		}
	}
	mod := []byte("module example.com/x\n")
	want, _ := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(mod)), nil })
	if got := HashGoMod(mod); got != want {
		t.Errorf("go.mod hash %s, want %s", got, want)
	}
}

// corrupt damages a fixture cache in each way verify must catch, one
// version each, and returns the finding kinds each must produce.
func corrupt(t *testing.T, fc *fixture.Cache, project string) map[string][]string {
	t.Helper()
	paths := func(p, v string) Files {
		f, err := PathsFor(fc.Root, p, v)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	// A flipped byte in a zip's compressed data.
	flipByte(t, paths("example.com/alpha", "v1.0.0").Zip, zipDataOffset(t, paths("example.com/alpha", "v1.0.0").Zip, "alpha.go"))
	// A flipped byte in an extracted file.
	flipByte(t, filepath.Join(paths("example.com/alpha", "v1.1.0").Tree, "alpha.go"), 10)
	// A flipped byte in a .mod ("module" becomes "moDule").
	flipByte(t, paths("example.com/gamma/v2", "v2.0.0").Mod, 2)
	// A truncated zip.
	zf := paths("example.com/beta", "v1.1.0").Zip
	data, _ := os.ReadFile(zf)
	os.WriteFile(zf, data[:len(data)/2], 0o644)
	// A wrong .ziphash.
	os.WriteFile(paths("example.com/Azure/Storage", "v0.1.0").ZipHash, []byte("h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), 0o644)
	// An extra file in a tree.
	tree := paths("example.com/old", "v1.1.0").Tree
	os.Chmod(tree, 0o755)
	os.WriteFile(filepath.Join(tree, "extra.go"), []byte("package old\n"), 0o444)
	os.Chmod(tree, 0o555)
	// An interrupted extraction nobody holds the lock for.
	os.WriteFile(paths("example.com/alpha", "v1.2.0").Partial, nil, 0o644)
	// Tampering only a go.sum can see: beta v1.2.0-rc.1's tree, zip and
	// .ziphash all changed consistently.
	fixture.Go(t, fc.Project, fc.Env, "mod", "download", "example.com/beta@v1.2.0-rc.1")
	rc := paths("example.com/beta", "v1.2.0-rc.1")
	trueHash, err := dirhash.HashZip(rc.Zip, dirhash.DefaultHash)
	if err != nil {
		t.Fatal(err)
	}
	flipByte(t, filepath.Join(rc.Tree, "beta.go"), 10)
	zipFrom(t, rc, module.Version{Path: "example.com/beta", Version: "v1.2.0-rc.1"}, rc.Tree)
	tampered, _ := dirhash.HashZip(rc.Zip, dirhash.DefaultHash)
	os.WriteFile(rc.ZipHash, []byte(tampered), 0o644)
	os.WriteFile(filepath.Join(project, "go.sum"), []byte(fmt.Sprintf("example.com/beta v1.2.0-rc.1 %s\n", trueHash)), 0o644)
	// A list that names a version with no .mod (after the download above,
	// which rewrote it).
	os.WriteFile(paths("example.com/beta", "v1.0.0").List, []byte("v1.0.0\nv1.1.0\nv1.2.0-rc.1\nv1.9.0\n"), 0o644)

	return map[string][]string{
		"example.com/alpha@v1.0.0":         {FindingZipInvalid},
		"example.com/alpha@v1.1.0":         {FindingTree},
		"example.com/gamma/v2@v2.0.0":      {FindingModInvalid},
		"example.com/beta@v1.1.0":          {FindingZipInvalid},
		"example.com/Azure/Storage@v0.1.0": {FindingZipHashBad},
		"example.com/old@v1.1.0":           {FindingTree},
		"example.com/alpha@v1.2.0":         {FindingPartial},
		"example.com/beta":                 {FindingList},
		"example.com/beta@v1.2.0-rc.1":     {FindingGoSum},
	}
}

func TestVerifyFindsDamageAndRepairs(t *testing.T) {
	fc := fixture.NewCache(t)
	other := t.TempDir() // a second project, whose go.sum knows the true rc.1
	want := corrupt(t, fc, other)
	rep := prVerify(t, fc.Root, fc.Project, other)
	got := map[string][]string{}
	for _, f := range rep.Findings {
		key := f.Path + "@" + f.Version
		if f.Version == "" {
			key = f.Path
		}
		got[key] = append(got[key], f.Kind)
		t.Logf("%s [%s serious=%v]", f, f.Kind, f.Serious)
		if f.Kind == FindingGoSum && !f.Serious {
			t.Errorf("go.sum disagreement not marked serious: %v", f)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("findings by version:\n got %v\nwant %v", got, want)
	}
	for _, f := range rep.Findings {
		switch {
		case f.Version == "v1.1.0" && f.Path == "example.com/alpha" && !strings.HasSuffix(f.Detail, "differs from the zip: changed: alpha.go"):
			t.Errorf("tree finding does not name the file: %s", f.Detail)
		case f.Path == "example.com/old" && !strings.HasSuffix(f.Detail, "differs from the zip: extra: extra.go"):
			t.Errorf("extra file not named: %s", f.Detail)
		case f.Path == "example.com/Azure/Storage" && f.Kind == FindingZipHashBad && !strings.Contains(f.Detail, "both hash to"):
			t.Errorf("wrong .ziphash not singled out: %s", f.Detail)
		}
	}

	res, err := Repair(context.Background(), fc.Root, rep.Findings, RepairOptions{GoEnv: fc.Env, Projects: []string{fc.Project, other}})
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range res.Errors {
		t.Errorf("repair: %v", err)
	}
	modes := map[string]Mode{}
	for _, r := range res.Repaired {
		modes[r.Path+"@"+r.Version] = r.Mode
		if !r.Fetched {
			t.Errorf("%s@%s not fetched again: %s", r.Path, r.Version, r.Note)
		}
	}
	// Only the tree was bad: the verified zip stays and go re-extracts.
	if modes["example.com/alpha@v1.1.0"] != ModeDir || modes["example.com/old@v1.1.0"] != ModeDir || modes["example.com/alpha@v1.0.0"] != ModeFull {
		t.Errorf("repair modes %v", modes)
	}
	// beta's list was rewritten when its damaged v1.1.0 was evicted.
	listAgrees(t, fc.Root)
	if rep := prVerify(t, fc.Root, fc.Project, other); len(rep.Findings) != 0 {
		t.Errorf("after repair: %v", rep.Findings)
	}
	fc.Sound(t, "off")
}

// TestRepairWithoutGoodCopyLeavesDamage: with no remote, a damaged
// version stays as it was (its tree still builds offline) instead of being
// evicted for good; what can be fixed locally still is.
func TestRepairWithoutGoodCopyLeavesDamage(t *testing.T) {
	fc := fixture.NewCache(t)
	f := cutZip(t, fc.Root, "example.com/alpha", "v1.0.0")
	g, _ := PathsFor(fc.Root, "example.com/gamma/v2", "v2.0.0")
	os.WriteFile(g.List, nil, 0o644) // a list go would not write
	rep := prVerify(t, fc.Root)
	if len(rep.Findings) != 2 {
		t.Fatalf("findings %v", rep.Findings)
	}
	before := snapshotFiles(t, f)
	res, err := Repair(context.Background(), fc.Root, rep.Findings, RepairOptions{GoEnv: fixture.With(fc.Env, "GOPROXY=off")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Repaired) != 0 || len(res.Skipped) != 0 || len(res.Kept) != 1 || res.Kept[0].Item != "example.com/alpha@v1.0.0" ||
		!strings.Contains(res.Kept[0].Reason, "GOPROXY=off") {
		t.Fatalf("repaired %+v, skipped %+v, kept %+v", res.Repaired, res.Skipped, res.Kept)
	}
	t.Log(res.Kept[0].Reason)
	if len(res.Relisted) != 1 || res.Relisted[0] != "example.com/gamma/v2" {
		t.Errorf("relisted %v", res.Relisted)
	}
	if after := snapshotFiles(t, f); after != before {
		t.Errorf("the damaged version changed:\nbefore %s\nafter  %s", before, after)
	}
	if rep := prVerify(t, fc.Root); len(rep.Findings) != 1 || rep.Findings[0].Kind != FindingZipInvalid {
		t.Errorf("after offline repair: %v", rep.Findings)
	}
	fc.Sound(t, "off")
}

// A full eviction that fails (here an .info that is a directory, which
// the safe delete will not remove) is reported as a failure, never as a
// repair, though the good copy is installed over what it did remove.
func TestRepairReportsAFailedEviction(t *testing.T) {
	fc := fixture.NewCache(t)
	f, _ := PathsFor(fc.Root, "example.com/alpha", "v1.0.0")
	os.Remove(f.Info)
	os.MkdirAll(filepath.Join(f.Info, "x"), 0o755)
	rep := prVerify(t, fc.Root)
	if len(rep.Findings) == 0 {
		t.Fatal("an .info that is a directory is not found")
	}
	res, err := Repair(context.Background(), fc.Root, rep.Findings, RepairOptions{GoEnv: fc.Env})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Repaired) != 0 || len(res.Errors) == 0 || !strings.Contains(res.Errors[0].Error(), "evicting the damaged copy failed") {
		t.Errorf("repaired %+v, errors %v", res.Repaired, res.Errors)
	}
}

// TestRepairRefusesTheSameDamageBack: a GOPROXY that is the cache itself
// (an offline setup people use) serves damage back, and with GOSUMDB off go
// accepts it. A tampered zip is exposed by the .ziphash go recorded at
// download time, and left alone. A .ziphash the zip and tree both disagree
// with could be the damage, or the one honest file left: with nothing else
// to say which, that version is left alone too, until a go.sum settles it.
func TestRepairRefusesTheSameDamageBack(t *testing.T) {
	fc := fixture.NewCache(t)
	self := fixture.With(fc.Env, "GOPROXY="+gocmd.FileURL(filepath.Join(fc.Root, "cache", "download")), "GOSUMDB=off")
	a, _ := PathsFor(fc.Root, "example.com/alpha", "v1.0.0")
	replaceZip(t, a, module.Version{Path: "example.com/alpha", Version: "v1.0.0"}, "alpha.go", "package alpha\n\nconst Evil = 1\n")
	z, _ := PathsFor(fc.Root, "example.com/Azure/Storage", "v0.1.0")
	good, _ := os.ReadFile(z.ZipHash)
	os.WriteFile(z.ZipHash, []byte("h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), 0o644)

	rep := prVerify(t, fc.Root)
	kinds := map[string]string{}
	for _, f := range rep.Findings {
		kinds[f.Path] = f.Kind
	}
	if kinds["example.com/alpha"] != FindingZipHash || kinds["example.com/Azure/Storage"] != FindingZipHashBad {
		t.Fatalf("findings %v", rep.Findings)
	}
	beforeA, beforeZ := snapshotFiles(t, a), snapshotFiles(t, z)
	res, err := Repair(context.Background(), fc.Root, rep.Findings, RepairOptions{GoEnv: self})
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string]string{}
	for _, k := range res.Kept {
		kept[k.Item] = k.Reason
	}
	if len(res.Repaired) != 0 || !strings.Contains(kept["example.com/alpha@v1.0.0"], "but go recorded") ||
		!strings.Contains(kept["example.com/Azure/Storage@v0.1.0"], "says which is right") {
		t.Errorf("repaired %+v, kept %+v", res.Repaired, res.Kept)
	}
	if snapshotFiles(t, a) != beforeA || snapshotFiles(t, z) != beforeZ {
		t.Errorf("a version without a good copy changed")
	}

	// The project's go.sum lists Azure/Storage: its true hash settles it.
	res, err = Repair(context.Background(), fc.Root, rep.Findings, RepairOptions{GoEnv: self, Projects: []string{fc.Project}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Kept) != 1 || res.Kept[0].Item != "example.com/alpha@v1.0.0" {
		t.Errorf("kept %+v", res.Kept)
	}
	if len(res.Repaired) != 1 || res.Repaired[0].Path != "example.com/Azure/Storage" || !res.Repaired[0].Fetched {
		t.Errorf("repaired %+v", res.Repaired)
	}
	if snapshotFiles(t, a) != beforeA {
		t.Errorf("the tampered version changed")
	}
	if got, _ := os.ReadFile(z.ZipHash); string(got) != string(good) {
		t.Errorf(".ziphash after repair %q, want %q", got, good)
	}
	if rep := prVerify(t, fc.Root); len(rep.Findings) != 1 || rep.Findings[0].Kind != FindingZipHash {
		t.Errorf("after repair: %v", rep.Findings)
	}
	fc.Sound(t, "off")
}

// TestRepairTrustsTheChecksumDatabase: go's cached checksum database
// records vouch for a fresh copy independently of the module's own files,
// even when it comes from the cache itself with GOSUMDB off: a wrong
// .ziphash is repaired, and a zip and tree tampered together (which verify
// cannot tell from a wrong .ziphash) are not served back.
func TestRepairTrustsTheChecksumDatabase(t *testing.T) {
	fc, _ := fixture.NewCacheWithSumDB(t)
	self := fixture.With(fc.Env, "GOPROXY="+gocmd.FileURL(filepath.Join(fc.Root, "cache", "download")), "GOSUMDB=off")
	z, _ := PathsFor(fc.Root, "example.com/Azure/Storage", "v0.1.0")
	good, _ := os.ReadFile(z.ZipHash)
	os.WriteFile(z.ZipHash, []byte("h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), 0o644)
	// old v1.1.0: a file changed in the tree, and the zip rebuilt from it.
	o, _ := PathsFor(fc.Root, "example.com/old", "v1.1.0")
	flipByte(t, filepath.Join(o.Tree, "old.go"), 10)
	zipFrom(t, o, module.Version{Path: "example.com/old", Version: "v1.1.0"}, o.Tree)

	rep := prVerify(t, fc.Root)
	if len(rep.Findings) != 2 || rep.Findings[0].Kind != FindingZipHashBad || rep.Findings[1].Kind != FindingZipHashBad {
		t.Fatalf("findings %v", rep.Findings)
	}
	before := snapshotFiles(t, o)
	res, err := Repair(context.Background(), fc.Root, rep.Findings, RepairOptions{GoEnv: self})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Repaired) != 1 || res.Repaired[0].Path != "example.com/Azure/Storage" || !res.Repaired[0].Fetched {
		t.Errorf("repaired %+v", res.Repaired)
	}
	if len(res.Kept) != 1 || res.Kept[0].Item != "example.com/old@v1.1.0" || !strings.Contains(res.Kept[0].Reason, "checksum database") {
		t.Errorf("kept %+v", res.Kept)
	}
	if got, _ := os.ReadFile(z.ZipHash); string(got) != string(good) {
		t.Errorf(".ziphash after repair %q, want %q", got, good)
	}
	if snapshotFiles(t, o) != before {
		t.Errorf("the tampered version changed")
	}
}

// TestVerifyChecksAgainstTheChecksumDatabase: a zip, tree and .ziphash
// changed together agree with each other, but not with the record go
// cached when it checked the download against the checksum database.
func TestVerifyChecksAgainstTheChecksumDatabase(t *testing.T) {
	fc, _ := fixture.NewCacheWithSumDB(t)
	o, _ := PathsFor(fc.Root, "example.com/old", "v1.1.0")
	flipByte(t, filepath.Join(o.Tree, "old.go"), 10)
	mv := module.Version{Path: "example.com/old", Version: "v1.1.0"}
	zipFrom(t, o, mv, o.Tree)
	h1, err := dirhash.HashZip(o.Zip, dirhash.DefaultHash)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(o.ZipHash, 0o644)
	os.WriteFile(o.ZipHash, []byte(h1), 0o644)
	rep := prVerify(t, fc.Root)
	if len(rep.Findings) != 1 || rep.Findings[0].Kind != FindingGoSum || !rep.Findings[0].Serious ||
		!strings.Contains(rep.Findings[0].Detail, "the cached checksum database record says v1.1.0 h1:") {
		t.Fatalf("findings %v", rep.Findings)
	}
}

// TestRepairStoppedLosesNothing: a repair stopped right after it evicted
// a version still installs the good copy it had fetched.
func TestRepairStoppedLosesNothing(t *testing.T) {
	fc := fixture.NewCache(t)
	a := cutZip(t, fc.Root, "example.com/alpha", "v1.0.0")
	cutZip(t, fc.Root, "example.com/beta", "v1.1.0")
	rep := prVerify(t, fc.Root)
	// Stops once alpha's damaged zip is gone, before beta is touched.
	ctx := stopWhen{context.Background(), func() bool { _, err := os.Lstat(a.Zip); return err != nil }, new(atomic.Bool)}
	res, err := Repair(ctx, fc.Root, rep.Findings, RepairOptions{GoEnv: fc.Env})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if len(res.Repaired) != 1 || res.Repaired[0].Path != "example.com/alpha" || !res.Repaired[0].Fetched {
		t.Errorf("repaired %+v", res.Repaired)
	}
	if rep := prVerify(t, fc.Root); len(rep.Findings) != 1 || rep.Findings[0].Path != "example.com/beta" {
		t.Errorf("after a stopped repair: %v", rep.Findings)
	}
	fixture.Go(t, fc.Project, fixture.With(fc.Env, "GOPROXY=off"), "build", "-o", os.DevNull, ".")
}

// stopWhen is a context that counts as cancelled from the first time stop
// says so; its Done channel never closes, so only code that checks Err
// sees it.
type stopWhen struct {
	context.Context
	stop    func() bool
	stopped *atomic.Bool
}

func (c stopWhen) Err() error {
	if c.stopped.Load() || c.stop() {
		c.stopped.Store(true)
		return context.Canceled
	}
	return nil
}

// replaceZip swaps a version's zip for a valid one with other content
// (name rewritten), keeping its go.mod, and leaves .ziphash alone.
func replaceZip(t *testing.T, f Files, mv module.Version, name, content string) {
	t.Helper()
	src := t.TempDir()
	mod, _ := os.ReadFile(f.Mod)
	os.WriteFile(filepath.Join(src, "go.mod"), mod, 0o644)
	os.WriteFile(filepath.Join(src, name), []byte(content), 0o644)
	zipFrom(t, f, mv, src)
}

// zipFrom rewrites a version's zip from the files in dir, as a valid
// module zip, and leaves its .ziphash alone.
func zipFrom(t *testing.T, f Files, mv module.Version, dir string) {
	t.Helper()
	os.Chmod(filepath.Dir(f.Zip), 0o755)
	os.Remove(f.Zip)
	zw, err := os.Create(f.Zip)
	if err != nil {
		t.Fatal(err)
	}
	defer zw.Close()
	if err := modzip.CreateFromDir(zw, mv, dir); err != nil {
		t.Fatal(err)
	}
}

// cutZip truncates a version's zip to its first 100 bytes, as an
// interrupted copy would, and returns the version's files.
func cutZip(t *testing.T, root, path, version string) Files {
	t.Helper()
	f, err := PathsFor(root, path, version)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(f.Zip, 0o644)
	if err := os.Truncate(f.Zip, 100); err != nil {
		t.Fatal(err)
	}
	return f
}

// flipByte flips a bit of the byte at offset at (the middle when
// negative) in a read-only cache file, as a bad disk would.
func flipByte(t *testing.T, file string, at int) {
	t.Helper()
	os.Chmod(filepath.Dir(file), 0o755)
	os.Chmod(file, 0o644)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if at < 0 {
		at = len(data) / 2
	}
	data[at] ^= 0x20
	if err := os.WriteFile(file, data, 0o444); err != nil {
		t.Fatal(err)
	}
}

// snapshotFiles describes a version's files (size and content hash of
// each, and whether its tree exists), to show a repair left them alone.
func snapshotFiles(t *testing.T, f Files) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{f.Zip, f.ZipHash, f.Mod, f.Info} {
		data, err := os.ReadFile(p)
		fmt.Fprintf(&b, "%s:%d:%x:%v ", filepath.Base(p), len(data), sha256.Sum256(data), err)
	}
	_, err := os.Stat(f.Tree)
	fmt.Fprintf(&b, "tree:%v", err == nil)
	return b.String()
}

// zipDataOffset is where the compressed data of a file in a zip starts,
// plus a little, so a flipped byte there changes content and not metadata.
func zipDataOffset(t *testing.T, zipFile, name string) int {
	t.Helper()
	z, err := zip.OpenReader(zipFile)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, f := range z.File {
		if strings.HasSuffix(f.Name, "/"+name) {
			off, err := f.DataOffset()
			if err != nil {
				t.Fatal(err)
			}
			return int(off) + int(f.CompressedSize64)/2
		}
	}
	t.Fatalf("%s not in %s", name, zipFile)
	return 0
}
