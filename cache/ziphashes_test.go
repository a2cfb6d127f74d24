//go:build linux || darwin

package cache

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/modcache/modcache/internal/fixture"
)

// TestVerifyTeachesZipHashes: a verify remembers what every sound zip
// hashes to, as go recorded it in .ziphash, so a push after it need not
// inflate them again. A zip rewritten since is not trusted, and a zip that
// fails zip.CheckZip is never remembered.
func TestVerifyTeachesZipHashes(t *testing.T) {
	fc := fixture.NewCache(t)
	dir := t.TempDir()
	vs := prScan(t, fc.Root).Select(nil)
	verify := func() {
		t.Helper()
		v := NewVerifier(fc.Root, vs, VerifyOptions{ZipHashes: OpenZipHashes(fc.Root, dir)})
		if _, err := v.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	verify()

	memo := OpenZipHashes(fc.Root, dir) // as a later push reads it, from disk
	zips := 0
	for _, v := range vs {
		if v.Has&HasZip == 0 {
			continue
		}
		zips++
		f, _ := PathsFor(fc.Root, v.Path, v.Version)
		fi, err := os.Lstat(f.Zip)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ReadZipHash(f.ZipHash)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := memo.Lookup(f.Zip, fi); !ok || got != want {
			t.Errorf("%s@%s: remembered %q (%v), .ziphash says %s", v.Path, v.Version, got, ok, want)
		}
	}
	if zips == 0 {
		t.Fatal("the fixture has no zips")
	}

	// Rewritten with the same bytes: ctime moves, so the memo no longer
	// vouches for it.
	f, _ := PathsFor(fc.Root, "example.com/alpha", "v1.2.0")
	data, err := os.ReadFile(f.Zip)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(f.Zip, 0o644)
	if err := os.WriteFile(f.Zip, data, 0o644); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Lstat(f.Zip)
	if h, ok := OpenZipHashes(fc.Root, dir).Lookup(f.Zip, fi); ok {
		t.Errorf("a rewritten zip is still trusted as %s", h)
	}

	// Not a module zip at all: verify reports it and remembers nothing.
	if err := os.WriteFile(f.Zip, []byte("PK\x03\x04 not really"), 0o644); err != nil {
		t.Fatal(err)
	}
	verify()
	fi, _ = os.Lstat(f.Zip)
	if h, ok := OpenZipHashes(fc.Root, dir).Lookup(f.Zip, fi); ok {
		t.Errorf("a zip that fails CheckZip is remembered as %s", h)
	}

	// Off means nowhere to keep it.
	if OpenZipHashes(fc.Root, ZipHashesOff) != nil {
		t.Error("ZipHashesOff opened a memo")
	}
	// Never inside the module cache.
	if OpenZipHashes(fc.Root, filepath.Join(fc.Root, "cache")) != nil {
		t.Error("a memo inside the module cache")
	}
}

// TestZipHashesForgetGoneZips: saving drops the entries of zips no longer
// there, so the memo does not grow with every zip ever hashed.
func TestZipHashesForgetGoneZips(t *testing.T) {
	fc := fixture.NewCache(t)
	dir := t.TempDir()
	v := NewVerifier(fc.Root, prScan(t, fc.Root).Select(nil), VerifyOptions{ZipHashes: OpenZipHashes(fc.Root, dir)})
	if _, err := v.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	gone, _ := PathsFor(fc.Root, "example.com/alpha", "v1.0.0")
	kept, _ := PathsFor(fc.Root, "example.com/alpha", "v1.2.0")
	os.Chmod(filepath.Dir(gone.Zip), 0o755)
	if err := os.Remove(gone.Zip); err != nil {
		t.Fatal(err)
	}
	// Any later store (a push, another verify) saves the memo.
	memo := OpenZipHashes(fc.Root, dir)
	fi, _ := os.Lstat(kept.Zip)
	h, _ := memo.Lookup(kept.Zip, fi)
	memo.Store(kept.Zip, fi, h)
	memo.Save()

	again := OpenZipHashes(fc.Root, dir)
	again.load()
	if _, ok := again.entries[gone.Zip]; ok {
		t.Error("the memo still holds a zip that is gone")
	}
	if _, ok := again.entries[kept.Zip]; !ok {
		t.Error("the memo lost a zip that is still there")
	}
}
