package cache

import (
	"path/filepath"
	"testing"

	"golang.org/x/mod/sumdb/dirhash"

	"github.com/modcache/modcache/internal/fixture"
)

// HashZip must give exactly go's h1: for every zip go wrote.
func TestHashZipMatchesDirhash(t *testing.T) {
	fc := fixture.NewCache(t)
	zips, _ := filepath.Glob(filepath.Join(fc.Root, "cache/download/example.com/*/@v/*.zip"))
	more, _ := filepath.Glob(filepath.Join(fc.Root, "cache/download/example.com/*/*/@v/*.zip"))
	zips = append(zips, more...)
	if len(zips) < 5 {
		t.Fatalf("only %d zips in the fixture", len(zips))
	}
	for _, z := range zips {
		want, err := dirhash.HashZip(z, dirhash.DefaultHash)
		if err != nil {
			t.Fatal(err)
		}
		got, err := HashZip(z)
		if err != nil || got != want {
			t.Errorf("%s: HashZip = %s, %v; dirhash says %s", z, got, err, want)
		}
	}
	if _, err := HashZip(filepath.Join(fc.Root, "missing.zip")); err == nil {
		t.Error("hashing a missing zip succeeded")
	}
}

func BenchmarkHashZip(b *testing.B) {
	root := benchRoot(b)
	zips, _ := filepath.Glob(filepath.Join(root, "cache/download/example.com/*/*/@v/*.zip"))
	if len(zips) == 0 {
		b.Skip("no zips under MODCACHE_BENCH_ROOT (make it with gencache -valid)")
	}
	zips = zips[:min(50, len(zips))]
	b.Run("modcache", func(b *testing.B) {
		for b.Loop() {
			for _, z := range zips {
				HashZip(z)
			}
		}
	})
	b.Run("dirhash", func(b *testing.B) {
		for b.Loop() {
			for _, z := range zips {
				dirhash.HashZip(z, dirhash.DefaultHash)
			}
		}
	})
}
