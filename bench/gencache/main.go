// Command gencache writes a synthetic module cache with the layout the go
// command uses, for benchmarks: modules × versions × files, with a few
// large trees mixed in.
//
//	go run ./bench/gencache -dir /tmp/bigcache -modules 200 -versions 10 -files 100
//
// Zips are real module zips (golang.org/x/mod/zip) with matching .ziphash
// files when -valid is set, so verify and push can be benchmarked too;
// otherwise they are filler of a realistic size, which is enough for du,
// ls and prune.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

func main() {
	dir := flag.String("dir", "", "cache root to create (must not exist)")
	modules := flag.Int("modules", 200, "number of modules")
	versions := flag.Int("versions", 10, "versions per module")
	files := flag.Int("files", 100, "files per version")
	fileSize := flag.Int("size", 2048, "average file size in bytes")
	large := flag.Int("large", 2, "number of modules whose trees are 20x larger")
	valid := flag.Bool("valid", false, "write real zips and .ziphash (slower)")
	readonly := flag.Bool("readonly", true, "make directories read-only as go does")
	flag.Parse()
	if *dir == "" {
		log.Fatal("gencache: -dir is required")
	}
	if _, err := os.Stat(*dir); err == nil {
		log.Fatalf("gencache: %s exists; pick a new directory", *dir)
	}
	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	var total int64
	var mu sync.Mutex
	for m := range *modules {
		path := fmt.Sprintf("example.com/Org%d/mod%d", m%7, m)
		nfiles := *files
		if m < *large {
			nfiles *= 20
		}
		for v := range *versions {
			version := fmt.Sprintf("v1.%d.0", v)
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				n, err := writeVersion(*dir, path, version, nfiles, *fileSize, *valid)
				if err != nil {
					log.Fatal(err)
				}
				mu.Lock()
				total += n
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	for m := range *modules {
		path := fmt.Sprintf("example.com/Org%d/mod%d", m%7, m)
		esc, _ := module.EscapePath(path)
		var list []string
		for v := range *versions {
			list = append(list, fmt.Sprintf("v1.%d.0", v))
		}
		os.WriteFile(filepath.Join(*dir, "cache/download", esc, "@v/list"), []byte(strings.Join(list, "\n")+"\n"), 0o644)
	}
	if *readonly {
		makeReadOnly(*dir)
	}
	fmt.Printf("wrote %d files in %s\n", total, time.Since(start).Round(time.Millisecond))
}

func writeVersion(root, path, version string, nfiles, size int, valid bool) (int64, error) {
	esc, _ := module.EscapePath(path)
	tree := filepath.Join(root, esc+"@"+version)
	dl := filepath.Join(root, "cache/download", esc, "@v")
	if err := os.MkdirAll(dl, 0o755); err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(uint64(len(path)), uint64(nfiles)))
	var zfiles []modzip.File
	buf := make([]byte, size*3)
	for i := range buf {
		buf[i] = byte('a' + rng.IntN(26))
	}
	gomod := fmt.Sprintf("module %s\n\ngo 1.21\n", path)
	for i := range nfiles {
		var name string
		switch {
		case i == 0:
			name = "go.mod"
		default:
			name = fmt.Sprintf("pkg%d/sub%d/file%d.go", i%10, i%3, i)
		}
		content := []byte(gomod)
		if i > 0 {
			n := size/2 + rng.IntN(size)
			content = append([]byte(fmt.Sprintf("package sub%d\n// ", i%3)), buf[:n]...)
		}
		full := filepath.Join(tree, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return 0, err
		}
		if err := os.WriteFile(full, content, 0o444); err != nil {
			return 0, err
		}
		zfiles = append(zfiles, memFile{name, content})
	}
	base := filepath.Join(dl, version)
	info, _ := json.Marshal(map[string]string{"Version": version, "Time": "2024-05-01T00:00:00Z"})
	os.WriteFile(base+".info", info, 0o644)
	os.WriteFile(base+".mod", []byte(gomod), 0o644)
	os.WriteFile(base+".lock", nil, 0o644)
	if valid {
		var zb bytes.Buffer
		if err := modzip.Create(&zb, module.Version{Path: path, Version: version}, zfiles); err != nil {
			return 0, err
		}
		if err := os.WriteFile(base+".zip", zb.Bytes(), 0o644); err != nil {
			return 0, err
		}
		h, err := dirhash.HashZip(base+".zip", dirhash.DefaultHash)
		if err != nil {
			return 0, err
		}
		os.WriteFile(base+".ziphash", []byte(h), 0o644)
	} else {
		// Filler the size of a compressed zip: source compresses ~3x.
		os.WriteFile(base+".zip", bytes.Repeat([]byte{'z'}, nfiles*size/3), 0o644)
		os.WriteFile(base+".ziphash", []byte("h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), 0o644)
	}
	return int64(nfiles), nil
}

type memFile struct {
	path string
	data []byte
}

func (f memFile) Path() string { return f.path }
func (f memFile) Lstat() (os.FileInfo, error) {
	return fileInfo{f}, nil
}
func (f memFile) Open() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(f.data)), nil }

func makeReadOnly(root string) {
	var dirs []string
	// Like go, only the extracted trees (name@version and below) are
	// read-only; path prefix directories and cache/ stay writable.
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		rel, _ := filepath.Rel(root, p)
		if err == nil && d.IsDir() && strings.Contains(rel, "@") && !strings.HasPrefix(rel, "cache") {
			dirs = append(dirs, p)
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		os.Chmod(dirs[i], 0o555)
	}
}
