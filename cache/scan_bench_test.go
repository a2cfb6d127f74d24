package cache

import (
	"context"
	"os"
	"testing"
)

// benchRoot is a cache made by bench/gencache; see bench/README.md.
func benchRoot(b *testing.B) string {
	root := os.Getenv("MODCACHE_BENCH_ROOT")
	if root == "" {
		b.Skip("set MODCACHE_BENCH_ROOT to a cache made by go run ./bench/gencache")
	}
	return root
}

func BenchmarkScanFull(b *testing.B) {
	root := benchRoot(b)
	for b.Loop() {
		if _, err := Scan(context.Background(), root, ScanOptions{NoIndex: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScanIndexed(b *testing.B) {
	root := benchRoot(b)
	opts := ScanOptions{IndexDir: b.TempDir()}
	if _, err := Scan(context.Background(), root, opts); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Scan(context.Background(), root, opts); err != nil {
			b.Fatal(err)
		}
	}
}
