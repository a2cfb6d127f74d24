package mirror

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/fixture"
	"github.com/modcache/modcache/internal/gocmd"
)

// TestBundleRoundTrip: push a project's closure to a bundle, import it
// into an empty module cache, and build the project there with no network
// at all; go mod verify then checks every module against go.sum.
func TestBundleRoundTrip(t *testing.T) {
	t.Parallel()
	c, db := fixture.NewCacheWithSumDB(t)
	bundle := filepath.Join(t.TempDir(), "deps.tar.zst")
	plan, pushed := push(t, c, projectSelection(c), "bundle://"+filepath.ToSlash(bundle))
	db.Stop()

	ctx := context.Background()
	m, err := ReadManifest(ctx, bundle)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != plan.Totals().Files+pushed.Lists || len(m.GoSum) != len(plan.GoSum()) {
		t.Errorf("manifest has %d files and %d go.sum lines; pushed %d files, %d lists, %d go.sum lines",
			len(m.Files), len(m.GoSum), plan.Totals().Files, pushed.Lists, len(plan.GoSum()))
	}

	root := filepath.Join(t.TempDir(), "modcache")
	fixture.MakeRemovable(t, root)
	res, err := Import(ctx, bundle, ImportDest{ModCache: root, Env: []string{"GOSUMDB=" + db.VKey}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Versions != len(plan.Versions) {
		t.Errorf("imported %d versions, pushed %d", res.Versions, len(plan.Versions))
	}
	// What go mod download would have written, and nothing else.
	for _, name := range []string{
		"cache/download/example.com/alpha/@v/v1.2.0.zip",
		"cache/download/example.com/alpha/@v/v1.2.0.ziphash",
		"cache/download/example.com/alpha/@v/v1.2.0.info",
		"cache/download/example.com/alpha/@v/v1.2.0.mod",
		"cache/download/example.com/alpha/@v/v1.2.0.lock",
		"cache/download/example.com/beta/@v/v1.0.0.mod",
		"cache/download/sumdb/" + db.Name + "/lookup/example.com/alpha@v1.2.0",
	} {
		if !exists(filepath.Join(root, name)) {
			t.Errorf("import did not write %s", name)
		}
	}
	zipHash := "cache/download/example.com/alpha/@v/v1.2.0.ziphash"
	if got, want := readFile(t, filepath.Join(root, zipHash)), readFile(t, filepath.Join(c.Root, zipHash)); got != want {
		t.Errorf(".ziphash = %q, want %q as go wrote it", got, want)
	}
	if got := readFile(t, filepath.Join(root, "cache/download/example.com/beta/@v/list")); got != "v1.0.0\nv1.1.0\n" {
		t.Errorf("beta list = %q; go lists every version with a .mod", got)
	}

	env := fixture.With(fixture.GoEnv(root, "off"), "GOFLAGS=-mod=readonly")
	fixture.Go(t, c.Project, env, "build", "-o", os.DevNull, ".")
	if out := fixture.Go(t, c.Project, env, "mod", "verify"); !strings.Contains(out, "all modules verified") {
		t.Errorf("go mod verify: %s", out)
	}

	// Importing again changes nothing.
	res, err = Import(ctx, bundle, ImportDest{ModCache: root})
	if err != nil || res.Files != 0 {
		t.Errorf("second import wrote %d files, err %v", res.Files, err)
	}

	// The same bundle, gzip'd this time, unpacked into a directory mirror.
	gz := filepath.Join(t.TempDir(), "deps.tar.gz")
	push(t, c, projectSelection(c), "bundle://"+filepath.ToSlash(gz))
	dir := filepath.Join(t.TempDir(), "mirror")
	tg, _ := Open(ctx, dir, Options{})
	if _, err := Import(ctx, gz, ImportDest{Target: tg}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "example.com/beta/@v/list")); got != "v1.1.0\n" {
		t.Errorf("mirror beta list = %q, want the complete version only", got)
	}
	buildFresh(t, c, gocmd.FileURL(dir), db.VKey)
}

// writeTarGz writes a bundle from raw tar headers, so tests can build
// archives the writer never would.
func writeTarGz(t testing.TB, entries []tar.Header, manifest *Manifest) string {
	t.Helper()
	bodies := make([][]byte, len(entries))
	for i, h := range entries {
		bodies[i] = bytes.Repeat([]byte("x"), int(h.Size))
	}
	return writeTarGzBodies(t, entries, bodies, manifest)
}

// writeTarGzBodies is writeTarGz with each entry's content given.
func writeTarGzBodies(t testing.TB, entries []tar.Header, bodies [][]byte, manifest *Manifest) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for i, h := range entries {
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		tw.Write(bodies[i])
	}
	if manifest != nil {
		data, _ := json.Marshal(manifest)
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: ManifestName, Size: int64(len(data)), Mode: 0o644})
		tw.Write(data)
	}
	tw.Close()
	zw.Close()
	p := filepath.Join(t.TempDir(), "evil.tar.gz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBundleRejectsEscapes: entries that would land outside the tree, or
// that are not plain files, make the whole bundle fail before anything is
// written.
func TestBundleRejectsEscapes(t *testing.T) {
	t.Parallel()
	manifest := &Manifest{Format: BundleFormat}
	for _, h := range []tar.Header{
		{Typeflag: tar.TypeReg, Name: "../evil", Size: 4},
		{Typeflag: tar.TypeReg, Name: "example.com/a/@v/../../../../evil", Size: 4},
		{Typeflag: tar.TypeReg, Name: "/tmp/evil", Size: 4},
		{Typeflag: tar.TypeReg, Name: `example.com\..\evil`, Size: 4},
		{Typeflag: tar.TypeSymlink, Name: "example.com/a/@v/list", Linkname: "/etc/passwd"},
		{Typeflag: tar.TypeLink, Name: "example.com/a/@v/v1.0.0.mod", Linkname: "../../../../evil"},
		{Typeflag: tar.TypeDir, Name: "example.com/"},
		{Typeflag: tar.TypeReg, Name: "example.com/a/@v/v1.0.0.exe", Size: 4},
		{Typeflag: tar.TypeReg, Name: "sumdb/x/../../evil", Size: 4},
	} {
		t.Run(h.Name, func(t *testing.T) {
			good := tar.Header{Typeflag: tar.TypeReg, Name: "example.com/a/@v/v1.0.0.mod", Size: 4, Mode: 0o644}
			entries := []tar.Header{good, h}
			if h.Name == good.Name {
				entries = entries[1:]
			}
			bundle := writeTarGz(t, entries, manifest)
			dest := filepath.Join(t.TempDir(), "dest", "modcache")
			_, err := Import(context.Background(), bundle, ImportDest{ModCache: dest})
			if err == nil || !strings.Contains(err.Error(), "rejected") {
				t.Fatalf("Import = %v, want the entry rejected", err)
			}
			if exists(dest) || exists(filepath.Join(filepath.Dir(dest), "evil")) {
				t.Errorf("something was written: %v", listFiles(t, filepath.Dir(dest)))
			}
		})
	}

	// Entries that pass the name checks but not the manifest's hashes.
	bundle := writeTarGz(t, []tar.Header{{Typeflag: tar.TypeReg, Name: "example.com/a/@v/v1.0.0.mod", Size: 4, Mode: 0o644}},
		&Manifest{Format: BundleFormat, Files: []ManifestFile{{Name: "example.com/a/@v/v1.0.0.mod", Size: 4, SHA256: strings.Repeat("0", 64)}}})
	if _, err := Import(context.Background(), bundle, ImportDest{ModCache: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "does not match the manifest") {
		t.Errorf("Import of a tampered entry = %v", err)
	}

	// Entries the manifest vouches for that go would choke on: a lookup
	// that is no checksum database record, an .info without its .mod.
	xxxx := sha256.Sum256([]byte("xxxx"))
	for name, want := range map[string]string{
		"sumdb/sum.golang.org/lookup/example.com/a@v1.0.0": "malformed checksum database record",
		"example.com/a/@v/v1.0.0.info":                     ".info without its .mod",
	} {
		bundle := writeTarGz(t, []tar.Header{{Typeflag: tar.TypeReg, Name: name, Size: 4, Mode: 0o644}},
			&Manifest{Format: BundleFormat, Files: []ManifestFile{{Name: name, Size: 4, SHA256: hex.EncodeToString(xxxx[:])}}})
		dest := filepath.Join(t.TempDir(), "modcache")
		if _, err := Import(context.Background(), bundle, ImportDest{ModCache: dest}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Import of %s = %v, want %q", name, err, want)
		}
		if exists(dest) {
			t.Errorf("import of %s wrote %v", name, listFiles(t, dest))
		}
	}
}

// Browsing a bundle reads its manifest once, and again only when the file
// changes: a bundle rewritten in place must not answer from the old one.
func TestBundleBrowseFollowsTheFile(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	bundle := filepath.Join(t.TempDir(), "deps.tar.gz")
	push(t, c, projectSelection(c), "bundle://"+filepath.ToSlash(bundle))

	ctx := context.Background()
	tg, err := Open(ctx, "bundle://"+filepath.ToSlash(bundle), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	b := tg.(*bundleTarget)
	first, err := tg.Versions(ctx, "example.com/alpha")
	if err != nil || len(first) == 0 {
		t.Fatalf("versions %v, %v", first, err)
	}
	read := b.read
	if _, err := tg.Catalog(ctx); err != nil || b.read != read {
		t.Errorf("an unchanged bundle was read again (%v)", err)
	}

	// The same name now holds another archive, without alpha.
	other := filepath.Join(t.TempDir(), "other.tar.gz")
	sel := Selection{Versions: mvs("example.com/beta@v1.0.0"), Env: c.Env, MemoDir: cache.ZipHashesOff}
	push(t, c, sel, "bundle://"+filepath.ToSlash(other))
	if err := os.Rename(other, bundle); err != nil {
		t.Fatal(err)
	}
	if vs, err := tg.Versions(ctx, "example.com/alpha"); err != nil || len(vs) != 0 {
		t.Errorf("after the bundle was replaced, alpha has %v (%v), want none", vs, err)
	}
}

// rewriteBundle copies a bundle as a .tar.gz with edit applied to every
// entry's content and to the manifest's go.sum lines, and the manifest's
// sizes and hashes made to match: a forgery as good as one can make
// without the checksum database's private key.
func rewriteBundle(t testing.TB, src string, edit func(name string, data []byte) []byte, gosum func([]string) []string) string {
	t.Helper()
	var names []string
	bodies := map[string][]byte{}
	var manifest *Manifest
	err := readBundle(context.Background(), src, func(hdr *tar.Header, r io.Reader) error {
		data, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		if hdr.Name == ManifestName {
			manifest = &Manifest{}
			return json.Unmarshal(data, manifest)
		}
		names = append(names, hdr.Name)
		bodies[hdr.Name] = edit(hdr.Name, data)
		return nil
	})
	if err != nil || manifest == nil {
		t.Fatalf("reading %s: %v", src, err)
	}
	manifest.Files = nil
	var hdrs []tar.Header
	var data [][]byte
	for _, name := range names {
		body := bodies[name]
		sum := sha256.Sum256(body)
		manifest.Files = append(manifest.Files, ManifestFile{Name: name, Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:])})
		hdrs = append(hdrs, tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(body)), Mode: 0o644})
		data = append(data, body)
	}
	manifest.GoSum = gosum(manifest.GoSum)
	return writeTarGzBodies(t, hdrs, data, manifest)
}

// TestImportChecksRecords: a bundle cannot swap a zip and its go.sum line
// together past the checksum database record it carries, nor carry a
// record the database never signed; with the checksum database off, go
// itself would take the bundle's word, and so does import. A damaged zip
// already in the cache is replaced, not counted as already there.
func TestImportChecksRecords(t *testing.T) {
	t.Parallel()
	c, db := fixture.NewCacheWithSumDB(t)
	bundle := filepath.Join(t.TempDir(), "deps.tar.gz")
	push(t, c, projectSelection(c), "bundle://"+filepath.ToSlash(bundle))
	ctx := context.Background()
	checked := []string{"GOSUMDB=" + db.VKey}

	// Another zip of alpha v1.2.0, valid but not the one the database knows.
	other := fixture.NewProxy(t, fixture.Mod{Path: "example.com/alpha", Version: "v1.2.0", Pad: 7})
	evilZip := filepath.Join(other.Dir, "example.com", "alpha", "@v", "v1.2.0.zip")
	evilH1, err := cache.HashZip(evilZip)
	if err != nil {
		t.Fatal(err)
	}
	evil, _ := os.ReadFile(evilZip)
	forged := rewriteBundle(t, bundle, func(name string, data []byte) []byte {
		if name == "example.com/alpha/@v/v1.2.0.zip" {
			return evil
		}
		return data
	}, func(lines []string) []string {
		for i, l := range lines {
			if strings.HasPrefix(l, "example.com/alpha v1.2.0 ") {
				lines[i] = "example.com/alpha v1.2.0 " + evilH1
			}
		}
		return lines
	})
	root := emptyCache(t)
	if _, err := Import(ctx, forged, ImportDest{ModCache: root, Env: checked}); err == nil || !strings.Contains(err.Error(), "checksum database "+db.Name+" says") {
		t.Errorf("forged zip and go.sum line: %v", err)
	}
	if exists(filepath.Join(root, "cache", "download", "example.com")) {
		t.Error("the rejected bundle wrote into the cache")
	}
	if _, err := Import(ctx, forged, ImportDest{ModCache: emptyCache(t), Env: []string{"GOSUMDB=off"}}); err != nil {
		t.Errorf("with GOSUMDB=off go takes the bundle's go.sum lines, and so should import: %v", err)
	}

	// A record changed to agree with nothing the database signed.
	lookup := "sumdb/" + db.Name + "/lookup/example.com/alpha@v1.2.0"
	badRecord := rewriteBundle(t, bundle, func(name string, data []byte) []byte {
		if name == lookup {
			return bytes.Replace(data, []byte(" h1:"), []byte(" h1:X"), 1)
		}
		return data
	}, func(lines []string) []string { return lines })
	if _, err := Import(ctx, badRecord, ImportDest{ModCache: emptyCache(t), Env: checked}); err == nil || !strings.Contains(err.Error(), lookup+" does not check out") {
		t.Errorf("tampered record: %v", err)
	}

	// The real bundle passes, every version vouched for by a record.
	res, err := Import(ctx, bundle, ImportDest{ModCache: root, Env: checked})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unrecorded) > 0 {
		t.Errorf("unrecorded: %v", res.Unrecorded)
	}

	// A damaged zip in the cache is replaced with the bundle's.
	f, _ := cache.PathsFor(root, "example.com/alpha", "v1.2.0")
	os.Chmod(f.Zip, 0o644)
	if err := os.Truncate(f.Zip, 100); err != nil {
		t.Fatal(err)
	}
	res, err = Import(ctx, bundle, ImportDest{ModCache: root, Env: checked})
	if err != nil {
		t.Fatal(err)
	}
	if want := mvs("example.com/alpha@v1.2.0"); !slices.Equal(res.Replaced, Versions(want)) {
		t.Errorf("replaced %v, want %v", res.Replaced, want)
	}
	if h1, err := cache.HashZip(f.Zip); err != nil || h1 != readFile(t, f.ZipHash) {
		t.Errorf("the zip after import hashes to %s (%v), .ziphash says %s", h1, err, readFile(t, f.ZipHash))
	}
}

// TestManifestBounded: a manifest too large for any real bundle is
// refused with what is wrong, before it is held whole.
func TestManifestBounded(t *testing.T) {
	huge := io.MultiReader(strings.NewReader(`{"format":"`+BundleFormat+`","gosum":["`), strings.NewReader(strings.Repeat("a", maxManifest)), strings.NewReader(`"]}`))
	if _, err := decodeManifest(huge); err == nil || !strings.Contains(err.Error(), "larger than 64MiB") {
		t.Errorf("huge manifest: %v", err)
	}
	if _, err := decodeManifest(strings.NewReader(`{"format":`)); err == nil || !strings.Contains(err.Error(), "copy it again") {
		t.Errorf("cut manifest: %v", err)
	}
}
