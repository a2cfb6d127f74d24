package cache

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modcache/modcache/internal/fixture"
)

func scan(t *testing.T, root string, opts ScanOptions) *Cache {
	t.Helper()
	if opts.IndexDir == "" {
		opts.IndexDir = t.TempDir()
	}
	c, err := Scan(context.Background(), root, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// duBytes runs the real du, which the totals must agree with.
func duBytes(t *testing.T, root string) int64 {
	t.Helper()
	out, err := exec.Command("du", "-sB1", root).Output()
	if err != nil {
		t.Fatalf("du -sB1: %v (GNU du is needed for this test)", err)
	}
	n, err := strconv.ParseInt(strings.Fields(string(out))[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func stateOf(t *testing.T, c *Cache, path, version string) *Version {
	t.Helper()
	v := c.Lookup(path, version)
	if v == nil {
		t.Fatalf("%s@%s not found in scan", path, version)
	}
	return v
}

func TestScanFixture(t *testing.T) {
	fc := fixture.NewCache(t)
	c := scan(t, fc.Root, ScanOptions{NoIndex: true})
	if want := duBytes(t, fc.Root); c.Usage.Total != want {
		t.Errorf("total %d, du -sB1 says %d (usage %+v)", c.Usage.Total, want, c.Usage)
	}
	want := map[string]State{
		"example.com/alpha@v1.0.0":         Complete,
		"example.com/alpha@v1.1.0":         Complete,
		"example.com/alpha@v1.2.0":         Complete,
		"example.com/beta@v1.0.0":          ModOnly, // graph only: alpha v1.2.0 requires it
		"example.com/beta@v1.1.0":          Complete,
		"example.com/Azure/Storage@v0.1.0": Complete, // escaped on disk as !azure/!storage
		"example.com/gamma/v2@v2.0.0":      Complete,
		"example.com/old@v1.1.0":           Complete,
	}
	got := map[string]State{}
	for _, m := range c.Modules {
		for _, v := range m.Versions {
			got[m.Path+"@"+v.Version] = v.State
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("states:\n got %v\nwant %v", got, want)
	}
	alpha := c.Find("example.com/alpha")
	if alpha == nil || len(alpha.Versions) != 3 || alpha.Versions[0].Version != "v1.0.0" || alpha.Versions[2].Version != "v1.2.0" {
		t.Fatalf("alpha versions not in semver order: %+v", alpha)
	}
	v := alpha.Versions[2]
	if v.TreeBytes == 0 || v.ZipBytes == 0 || v.MetaBytes == 0 || v.Files != 4 {
		t.Errorf("alpha v1.2.0 sizes: tree %d zip %d meta %d files %d", v.TreeBytes, v.ZipBytes, v.MetaBytes, v.Files)
	}
	if v.Published.IsZero() || v.Downloaded.IsZero() {
		t.Errorf("alpha v1.2.0 times: published %v downloaded %v", v.Published, v.Downloaded)
	}
	if c.Atime.Available && v.LastUsed.IsZero() {
		t.Error("atime available but LastUsed is zero")
	}
	if len(c.Problems) != 0 || len(c.Unknown) != 0 || len(c.Strays) != 0 {
		t.Errorf("clean cache reported problems %v unknown %v strays %v", c.Problems, c.Unknown, c.Strays)
	}
	var sum int64
	for _, m := range c.Modules {
		sum += m.Bytes
	}
	if sum != c.Usage.Trees+c.Usage.Zips+c.Usage.Meta {
		t.Errorf("modules add up to %d, usage trees+zips+meta = %d", sum, c.Usage.Trees+c.Usage.Zips+c.Usage.Meta)
	}
}

// removeTree deletes an extracted tree the way go clean does: directories
// first made writable.
func removeTree(t *testing.T, dir string) {
	t.Helper()
	fixture.MakeWritable(dir)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
}

func TestStatesAfterRemovingPieces(t *testing.T) {
	fc := fixture.NewCache(t)
	root := fc.Root
	paths := func(p, v string) Files {
		f, err := PathsFor(root, p, v)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// tree only: zip gone.
	must(os.Remove(paths("example.com/alpha", "v1.2.0").Zip))
	// zip only: tree gone.
	removeTree(t, paths("example.com/beta", "v1.1.0").Tree)
	// partial: an interrupted extraction nobody holds the lock for.
	must(os.WriteFile(paths("example.com/gamma/v2", "v2.0.0").Partial, nil, 0o666))
	// damaged: tree without zip or ziphash.
	must(os.Remove(paths("example.com/old", "v1.1.0").Zip))
	must(os.Remove(paths("example.com/old", "v1.1.0").ZipHash))
	// damaged: .mod missing.
	must(os.Remove(paths("example.com/Azure/Storage", "v0.1.0").Mod))
	// damaged: garbage .info.
	must(os.WriteFile(paths("example.com/alpha", "v1.1.0").Info, []byte("{not json"), 0o666))
	// info only: a version query result.
	must(os.WriteFile(paths("example.com/alpha", "v1.3.0").Info, []byte(`{"Version":"v1.3.0","Time":"2024-09-01T00:00:00Z"}`), 0o666))
	// stray temp file from an interrupted download.
	tmp := paths("example.com/alpha", "v1.0.0").Zip + "123456.tmp"
	must(os.WriteFile(tmp, []byte("partial download"), 0o666))

	c := scan(t, root, ScanOptions{NoIndex: true})
	for _, tc := range []struct {
		path, version string
		state         State
		problem       string
	}{
		{"example.com/alpha", "v1.2.0", TreeOnly, ""},
		{"example.com/beta", "v1.1.0", ZipOnly, ""},
		{"example.com/gamma/v2", "v2.0.0", Partial, ".partial"},
		{"example.com/old", "v1.1.0", Damaged, "without .ziphash or zip"},
		{"example.com/Azure/Storage", "v0.1.0", Damaged, ".mod missing"},
		{"example.com/alpha", "v1.1.0", Damaged, ".info is malformed"},
		{"example.com/alpha", "v1.3.0", InfoOnly, ""},
		{"example.com/alpha", "v1.0.0", Complete, ""},
	} {
		v := stateOf(t, c, tc.path, tc.version)
		if v.State != tc.state || !strings.Contains(v.Problem, tc.problem) {
			t.Errorf("%s@%s: state %v (%q), want %v (%q)", tc.path, tc.version, v.State, v.Problem, tc.state, tc.problem)
		}
	}
	var kinds []string
	for _, s := range c.Strays {
		kinds = append(kinds, s.Kind+":"+s.Path)
	}
	wantStrays := []string{
		"tmp:cache/download/example.com/alpha/@v/v1.0.0.zip123456.tmp",
		"partial:cache/download/example.com/gamma/v2/@v/v2.0.0.partial",
	}
	if !reflect.DeepEqual(kinds, wantStrays) {
		t.Errorf("strays %v, want %v", kinds, wantStrays)
	}
	if want := duBytes(t, root); c.Usage.Total != want {
		t.Errorf("total %d, du -sB1 says %d", c.Usage.Total, want)
	}
}

func TestUnknownNamesKeepTotals(t *testing.T) {
	fc := fixture.NewCache(t)
	// Upper case never appears in escaped names; go would not write this.
	bad := filepath.Join(fc.Root, "example.com", "Bad@v1.0.0")
	if err := os.MkdirAll(bad, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bad, "data"), make([]byte, 50_000), 0o666); err != nil {
		t.Fatal(err)
	}
	stray := filepath.Join(fc.Root, "cache", "download", "example.com", "alpha", "@v", "notes.txt")
	if err := os.WriteFile(stray, []byte("hand written"), 0o666); err != nil {
		t.Fatal(err)
	}
	c := scan(t, fc.Root, ScanOptions{NoIndex: true})
	if len(c.Unknown) != 2 {
		t.Fatalf("unknown = %+v, want 2 entries", c.Unknown)
	}
	if c.Unknown[1].Path != "example.com/Bad@v1.0.0" || c.Unknown[1].Bytes < 50_000 || !strings.Contains(c.Unknown[1].Reason, "does not unescape") {
		t.Errorf("unknown tree: %+v", c.Unknown[1])
	}
	if want := duBytes(t, fc.Root); c.Usage.Total != want {
		t.Errorf("total %d, du -sB1 says %d: unknown entries must still count", c.Usage.Total, want)
	}
}

func TestSymlinksAreNotFollowed(t *testing.T) {
	fc := fixture.NewCache(t)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "big"), make([]byte, 1<<20), 0o666); err != nil {
		t.Fatal(err)
	}
	tree, _ := PathsFor(fc.Root, "example.com/alpha", "v1.0.0")
	before := stateOf(t, scan(t, fc.Root, ScanOptions{NoIndex: true}), "example.com/alpha", "v1.0.0").TreeBytes
	os.Chmod(tree.Tree, 0o755)
	if err := os.Symlink(outside, filepath.Join(tree.Tree, "link")); err != nil {
		t.Fatal(err)
	}
	// A symlinked prefix directory must not be entered either.
	if err := os.Symlink(outside, filepath.Join(fc.Root, "evil.example")); err != nil {
		t.Fatal(err)
	}
	c := scan(t, fc.Root, ScanOptions{NoIndex: true})
	after := stateOf(t, c, "example.com/alpha", "v1.0.0").TreeBytes
	if after-before > 4096 {
		t.Errorf("tree grew from %d to %d bytes: the symlink was followed", before, after)
	}
	if want := duBytes(t, fc.Root); c.Usage.Total != want {
		t.Errorf("total %d, du -sB1 says %d", c.Usage.Total, want)
	}
}

func TestIndexReuseGivesSameAnswer(t *testing.T) {
	fc := fixture.NewCache(t)
	idx := t.TempDir()
	first := scan(t, fc.Root, ScanOptions{IndexDir: idx})
	second := scan(t, fc.Root, ScanOptions{IndexDir: idx})
	full := scan(t, fc.Root, ScanOptions{NoIndex: true})
	if second.Reused != 7 {
		t.Errorf("second scan reused %d trees, want all 7", second.Reused)
	}
	if first.Reused != 0 {
		t.Errorf("first scan reused %d trees", first.Reused)
	}
	same := func(name string, a, b *Cache) {
		t.Helper()
		a, b = comparable(a), comparable(b)
		if !reflect.DeepEqual(a, b) {
			ja, _ := json.MarshalIndent(a, "", " ")
			jb, _ := json.MarshalIndent(b, "", " ")
			t.Errorf("%s differs:\n%s\n---\n%s", name, ja, jb)
		}
	}
	same("indexed vs full", second, full)

	// A new version appears: only it is walked.
	fixture.Go(t, fc.Project, fc.Env, "mod", "download", "example.com/beta@v1.2.0-rc.1")
	third := scan(t, fc.Root, ScanOptions{IndexDir: idx})
	if third.Lookup("example.com/beta", "v1.2.0-rc.1") == nil {
		t.Fatal("new version not found")
	}
	if third.Reused != 7 {
		t.Errorf("third scan reused %d trees, want the 7 old ones", third.Reused)
	}
	if v := third.Lookup("example.com/beta", "v1.2.0-rc.1"); v.State != Complete || v.TreeBytes == 0 {
		t.Errorf("new version: state %v, tree %d bytes; want a measured complete version", v.State, v.TreeBytes)
	}
	// A version disappears: it is dropped.
	f, _ := PathsFor(fc.Root, "example.com/alpha", "v1.0.0")
	removeTree(t, f.Tree)
	for _, p := range []string{f.Zip, f.ZipHash, f.Mod, f.Info} {
		os.Remove(p)
	}
	fourth := scan(t, fc.Root, ScanOptions{IndexDir: idx})
	if fourth.Lookup("example.com/alpha", "v1.0.0") != nil {
		t.Error("removed version still listed")
	}
	same("after changes, indexed vs full", fourth, scan(t, fc.Root, ScanOptions{NoIndex: true}))

	// The previous result is available at once for a UI.
	if last := LoadLast(fc.Root, idx); last == nil || last.Lookup("example.com/alpha", "v1.0.0") != nil {
		t.Errorf("LoadLast = %v, want the latest scan", last)
	}
}

// A tree being extracted (.partial beside it) is measured again by the
// next scan, not taken from the index: go adds files in subdirectories,
// which the tree root's inode and mtime do not show.
func TestIndexSkipsTreesBeingExtracted(t *testing.T) {
	fc := fixture.NewCache(t)
	idx := t.TempDir()
	f, _ := PathsFor(fc.Root, "example.com/alpha", "v1.2.0")
	os.WriteFile(f.Partial, nil, 0o644)
	scan(t, fc.Root, ScanOptions{IndexDir: idx})
	sub := filepath.Join(f.Tree, "sub")
	os.Chmod(f.Tree, 0o755)
	os.MkdirAll(sub, 0o755)
	os.WriteFile(filepath.Join(sub, "late.go"), make([]byte, 20000), 0o644)
	os.Remove(f.Partial)
	second := scan(t, fc.Root, ScanOptions{IndexDir: idx})
	full := scan(t, fc.Root, ScanOptions{NoIndex: true})
	a, b := second.Lookup("example.com/alpha", "v1.2.0"), full.Lookup("example.com/alpha", "v1.2.0")
	if a.TreeBytes != b.TreeBytes || a.Files != b.Files {
		t.Errorf("indexed scan: %d bytes, %d files; full scan: %d bytes, %d files", a.TreeBytes, a.Files, b.TreeBytes, b.Files)
	}
}

// comparable drops the fields that legitimately differ between two scans
// of the same tree.
func comparable(c *Cache) *Cache {
	cp := *c
	cp.ScannedAt, cp.Reused, cp.Disk = time.Time{}, 0, DiskSpace{}
	return &cp
}

func TestCorruptIndexIsRebuilt(t *testing.T) {
	fc := fixture.NewCache(t)
	idx := t.TempDir()
	scan(t, fc.Root, ScanOptions{IndexDir: idx})
	path := indexPath(fc.Root, idx)
	if err := os.WriteFile(path, []byte("garbage that is not gob"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := scan(t, fc.Root, ScanOptions{IndexDir: idx})
	if c.Reused != 0 || c.VersionCount() != 8 {
		t.Errorf("after corrupt index: reused %d, versions %d", c.Reused, c.VersionCount())
	}
	if again := scan(t, fc.Root, ScanOptions{IndexDir: idx}); again.Reused != 7 {
		t.Errorf("index not rewritten: reused %d", again.Reused)
	}
}

func TestIndexNeverInsideCache(t *testing.T) {
	root := t.TempDir()
	if p := indexPath(root, filepath.Join(root, "cache")); p != "" {
		t.Errorf("index path %q is inside the cache", p)
	}
	// A relative MODCACHE_INDEX_DIR resolves against the working
	// directory first; the verified-zip memo uses the same rule.
	t.Chdir(root)
	if p := statePath(root, "cache", "verified", ".json"); p != "" {
		t.Errorf("relative dir: state path %q is inside the cache", p)
	}
}

func TestScanDoesNotWrite(t *testing.T) {
	fc := fixture.NewCache(t)
	f, _ := PathsFor(fc.Root, "example.com/alpha", "v1.2.0")
	old := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range []string{f.Info, f.Mod, f.ZipHash} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	before := snapshotTree(t, fc.Root)
	scan(t, fc.Root, ScanOptions{IndexDir: t.TempDir()})
	after := snapshotTree(t, fc.Root)
	if !reflect.DeepEqual(before, after) {
		t.Error("scanning changed the cache (names, sizes, modes or mtimes)")
	}
	// Reading .info for its publish time must not count as use.
	fi, err := os.Stat(f.Info)
	if err != nil {
		t.Fatal(err)
	}
	if at := atimeOfInfo(fi); !at.Equal(old) {
		t.Errorf(".info atime moved to %v by the scan", at)
	}
}

func snapshotTree(t *testing.T, root string) map[string]string {
	m := map[string]string{}
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil {
			m[p] = fi.Mode().String() + " " + strconv.FormatInt(fi.Size(), 10) + " " + fi.ModTime().String()
		}
		return nil
	})
	return m
}

func TestLastUsedFromAtime(t *testing.T) {
	fc := fixture.NewCache(t)
	c0 := scan(t, fc.Root, ScanOptions{NoIndex: true})
	if !c0.Atime.Available {
		t.Skip("this filesystem does not keep access times")
	}
	f, _ := PathsFor(fc.Root, "example.com/gamma/v2", "v2.0.0")
	old := time.Now().Add(-90 * 24 * time.Hour).Truncate(time.Second)
	fc.Age(t, "example.com/gamma/v2", "v2.0.0", old)
	c := scan(t, fc.Root, ScanOptions{NoIndex: true})
	if got := stateOf(t, c, "example.com/gamma/v2", "v2.0.0").LastUsed; !got.Equal(old) {
		t.Errorf("LastUsed %v, want %v", got, old)
	}
	// A build that reads the .mod moves it again.
	used := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	os.Chtimes(f.Mod, used, old)
	c = scan(t, fc.Root, ScanOptions{NoIndex: true})
	if got := stateOf(t, c, "example.com/gamma/v2", "v2.0.0").LastUsed; !got.Equal(used) {
		t.Errorf("after use: LastUsed %v, want %v", got, used)
	}
}

func TestNoAtimeMeansUnavailable(t *testing.T) {
	fc := fixture.NewCache(t)
	atimeOf = func(string) AtimeInfo { return AtimeInfo{Reason: "mounted noatime"} }
	defer func() { atimeOf = mountAtime }()
	c := scan(t, fc.Root, ScanOptions{NoIndex: true})
	if c.Atime.Available {
		t.Fatal("atime reported available")
	}
	for _, v := range c.Select(nil) {
		if !v.LastUsed.IsZero() {
			t.Errorf("%s@%s: LastUsed %v invented on a noatime filesystem", v.Path, v.Version, v.LastUsed)
		}
		if v.Used() != v.Downloaded {
			t.Errorf("%s@%s: Used() should fall back to Downloaded", v.Path, v.Version)
		}
	}
}

func TestLocate(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GOMODCACHE", "")
	if got, err := Locate(dir, nil); err != nil || got != dir {
		t.Errorf("Locate(flag) = %q, %v", got, err)
	}
	t.Setenv("GOMODCACHE", dir)
	if got, err := Locate("", nil); err != nil || got != dir {
		t.Errorf("Locate(env) = %q, %v", got, err)
	}
	if _, err := Locate("relative/path", nil); err == nil || !strings.Contains(err.Error(), "relative") {
		t.Errorf("relative path: %v", err)
	}
	if _, err := Locate(filepath.Join(dir, "missing"), nil); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing root: %v", err)
	}
	t.Setenv("GOMODCACHE", "")
	t.Setenv("GOPATH", dir+string(filepath.ListSeparator)+"/elsewhere")
	os.MkdirAll(filepath.Join(dir, "pkg", "mod"), 0o777)
	if got, err := Locate("", nil); err != nil || got != filepath.Join(dir, "pkg", "mod") {
		t.Errorf("Locate(GOPATH) = %q, %v", got, err)
	}
	// Resolve names a root that does not exist yet, so fetch can create it
	// where go would.
	t.Setenv("GOPATH", filepath.Join(dir, "fresh"))
	if got, source, err := Resolve("", nil); err != nil || got != filepath.Join(dir, "fresh", "pkg", "mod") || source != "GOPATH" {
		t.Errorf("Resolve(fresh GOPATH) = %q, %q, %v", got, source, err)
	}
}

func TestVCSAndSumDBReported(t *testing.T) {
	fc := fixture.NewCache(t)
	hash := strings.Repeat("ab", 32)
	vcs := filepath.Join(fc.Root, "cache", "vcs")
	os.MkdirAll(filepath.Join(vcs, hash, "objects", "pack"), 0o777)
	os.WriteFile(filepath.Join(vcs, hash, "objects", "pack", "pack-1.pack"), make([]byte, 30_000), 0o666)
	os.WriteFile(filepath.Join(vcs, hash+".info"), []byte("git:https://example.com/repo\n"), 0o666)
	os.WriteFile(filepath.Join(vcs, hash+".lock"), nil, 0o666)
	tile := filepath.Join(fc.Root, "cache", "download", "sumdb", "sum.example.org", "tile", "8", "0")
	os.MkdirAll(tile, 0o777)
	os.WriteFile(filepath.Join(tile, "000"), make([]byte, 8192), 0o666)
	c := scan(t, fc.Root, ScanOptions{NoIndex: true})
	if len(c.VCS) != 1 || c.VCS[0].URL != "git:https://example.com/repo" || c.VCS[0].Bytes < 30_000 || c.VCS[0].Created.IsZero() {
		t.Errorf("vcs = %+v", c.VCS)
	}
	if len(c.SumDB) != 1 || c.SumDB[0].Name != "sum.example.org" || c.SumDB[0].Files != 1 {
		t.Errorf("sumdb = %+v", c.SumDB)
	}
	if want := duBytes(t, fc.Root); c.Usage.Total != want {
		t.Errorf("total %d, du -sB1 says %d", c.Usage.Total, want)
	}
}

func TestScanProgressAndCancel(t *testing.T) {
	fc := fixture.NewCache(t)
	s := NewScanner(fc.Root, ScanOptions{NoIndex: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Run(ctx); err == nil {
		t.Error("cancelled scan returned no error")
	}
	s = NewScanner(fc.Root, ScanOptions{NoIndex: true})
	c, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p := s.Progress()
	if !p.Done || p.Files != c.Usage.Files || p.Bytes != c.Usage.Total || p.Versions != 8 {
		t.Errorf("final progress %+v vs usage %+v", p, c.Usage)
	}
}
