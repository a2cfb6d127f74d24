package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

// memFile is a module file held in memory, for modzip.Create.
type memFile struct {
	path string
	data []byte
}

func (f memFile) Path() string                 { return f.path }
func (f memFile) Lstat() (fs.FileInfo, error)  { return memInfo{f}, nil }
func (f memFile) Open() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(f.data)), nil }

type memInfo struct{ f memFile }

func (i memInfo) Name() string       { return filepath.Base(i.f.path) }
func (i memInfo) Size() int64        { return int64(len(i.f.data)) }
func (i memInfo) Mode() fs.FileMode  { return 0o644 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }

type treeModule struct {
	path     string
	versions []string // all get .info, .mod and .zip
	listOnly []string // named in list with no files, to check list parsing
}

var treeModules = []treeModule{
	{path: "example.com/mod", versions: []string{"v1.0.0", "v1.1.0", "v1.2.0-pre"}, listOnly: []string{"junk", ""}},
	{path: "github.com/BurntSushi/toml", versions: []string{"v0.1.0"}},
	{path: "example.com/mod/nested", versions: []string{"v0.2.0"}},
}

// writeTree writes a GOPROXY tree in the protocol's layout and returns the
// root.
func writeTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for i, m := range treeModules {
		ep, err := module.EscapePath(m.path)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(root, filepath.FromSlash(ep), "@v")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		var list strings.Builder
		for j, v := range m.versions {
			gomod := "module " + m.path + "\n\ngo 1.21\n"
			info := `{"Version":"` + v + `","Time":"2024-0` + string(rune('1'+i)) + `-0` + string(rune('1'+j)) + `T00:00:00Z"}`
			ev, _ := module.EscapeVersion(v)
			var zbuf bytes.Buffer
			files := []modzip.File{
				memFile{"go.mod", []byte(gomod)},
				memFile{"lib.go", []byte("package lib\n\nconst Version = \"" + v + "\"\n")},
			}
			if err := modzip.Create(&zbuf, module.Version{Path: m.path, Version: v}, files); err != nil {
				t.Fatal(err)
			}
			for name, data := range map[string][]byte{
				ev + ".info": []byte(info),
				ev + ".mod":  []byte(gomod),
				ev + ".zip":  zbuf.Bytes(),
			} {
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			list.WriteString(v + "\n")
		}
		for _, v := range m.listOnly {
			list.WriteString(v + "\n")
		}
		if err := os.WriteFile(filepath.Join(dir, "list"), []byte(list.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// goModDownload runs the real go command against tree, proving the tree is
// one go accepts, and returns the module cache it filled.
func goModDownload(t *testing.T, tree string, args ...string) (modcache string, results []map[string]any) {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	tmp := t.TempDir()
	modcache = filepath.Join(tmp, "modcache")
	work := filepath.Join(tmp, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "go.mod"), []byte("module example.com/main\n\ngo 1.21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goCmd, append([]string{"mod", "download", "-modcacherw", "-json"}, args...)...)
	cmd.Dir = work
	cmd.Env = append(os.Environ(),
		"HOME="+tmp,
		"USERPROFILE="+tmp,
		"GOENV=off",
		"GOWORK=off",
		"GOPATH="+tmp,
		"GOMODCACHE="+modcache,
		"GOCACHE="+filepath.Join(tmp, "gocache"),
		"GOPROXY="+fileURL(tree),
		"GOSUMDB=off",
		"GOFLAGS=-mod=mod",
		"GOTOOLCHAIN=local",
		"GONOSUMDB=",
		"GOPRIVATE=",
		"GONOPROXY=",
		"GOINSECURE=",
		"GOAUTH=off",
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go mod download: %v\n%s\n%s", err, out, stderr.String())
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m map[string]any
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("go mod download output: %v\n%s", err, out)
		}
		results = append(results, m)
	}
	return modcache, results
}

func TestFileTree(t *testing.T) {
	tree := writeTree(t)
	modcache, results := goModDownload(t, tree,
		"example.com/mod@v1.0.0", "github.com/BurntSushi/toml@v0.1.0", "example.com/mod/nested@v0.2.0")
	if len(results) != 3 {
		t.Fatalf("go mod download gave %d results: %v", len(results), results)
	}
	for _, r := range results {
		if e, _ := r["Error"].(string); e != "" {
			t.Fatalf("go mod download %v@%v: %s", r["Path"], r["Version"], e)
		}
		zipFile, _ := r["Zip"].(string)
		sum, _ := r["Sum"].(string)
		want, err := dirhash.HashZip(zipFile, dirhash.Hash1)
		if err != nil || sum != want {
			t.Errorf("%v: go's Sum %q, zip hashes to %q (%v)", r["Path"], sum, want, err)
		}
	}

	fileRemote, err := ParseRemote(fileURL(tree))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(tree)))
	t.Cleanup(srv.Close)
	httpRemote, err := ParseRemote(srv.URL)
	if err != nil {
		t.Fatal(err)
	}

	c := newTestClient(t, testConfig(t, fileURL(tree)))
	ctx := context.Background()
	for _, r := range []Remote{fileRemote, httpRemote} {
		t.Run(r.Kind.String(), func(t *testing.T) {
			versions, err := c.List(ctx, r, "example.com/mod")
			if want := []string{"v1.0.0", "v1.1.0", "v1.2.0-pre"}; err != nil || !slices.Equal(versions, want) {
				t.Errorf("List = %q, %v; want %q", versions, err, want)
			}
			info, err := c.Info(ctx, r, "example.com/mod", "v1.1.0")
			if err != nil || info.Version != "v1.1.0" || info.Time.IsZero() {
				t.Errorf("Info = %+v, %v", info, err)
			}
			latest, err := c.Latest(ctx, r, "example.com/mod")
			if err != nil || latest.Version != "v1.1.0" {
				t.Errorf("Latest = %+v, %v; want v1.1.0 (release over pre-release)", latest, err)
			}
			mod, err := c.GoMod(ctx, r, "github.com/BurntSushi/toml", "v0.1.0")
			if err != nil || string(mod) != "module github.com/BurntSushi/toml\n\ngo 1.21\n" {
				t.Errorf("GoMod = %q, %v", mod, err)
			}
			var buf bytes.Buffer
			n, err := c.Zip(ctx, r, "example.com/mod", "v1.0.0", &buf)
			want, _ := os.ReadFile(filepath.Join(tree, "example.com", "mod", "@v", "v1.0.0.zip"))
			if err != nil || n != int64(len(want)) || !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("Zip = %d bytes, %v; want the %d bytes on disk", n, err, len(want))
			}
			_, err = c.Info(ctx, r, "example.com/mod", "v9.0.0")
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("Info of a missing version = %v, want ErrNotFound", err)
			}
			_, err = c.List(ctx, r, "example.com/absent")
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("List of a missing module = %v, want ErrNotFound", err)
			}
			wantErrContains(t, err, r.Name, "list example.com/absent")
		})
	}

	paths, err := c.Catalog(ctx, fileRemote)
	want := []string{"example.com/mod", "example.com/mod/nested", "github.com/BurntSushi/toml"}
	if err != nil || !slices.Equal(paths, want) {
		t.Errorf("Catalog(file) = %q, %v; want %q", paths, err, want)
	}
	if _, err := c.Catalog(ctx, httpRemote); !errors.Is(err, ErrNoCatalog) {
		t.Errorf("Catalog(static http) = %v, want ErrNoCatalog", err)
	}

	// The module cache go just filled is itself a GOPROXY tree.
	download, err := ParseRemote(fileURL(filepath.Join(modcache, "cache", "download")))
	if err != nil {
		t.Fatal(err)
	}
	paths, err = c.Catalog(ctx, download)
	if err != nil || !slices.Equal(paths, want) {
		t.Errorf("Catalog(GOMODCACHE/cache/download) = %q, %v; want %q", paths, err, want)
	}
	if _, err := c.GoMod(ctx, download, "github.com/BurntSushi/toml", "v0.1.0"); err != nil {
		t.Errorf("GoMod from the module cache: %v", err)
	}

	// Chain operations reach the tree through GOPROXY.
	versions, from, err := c.ListChain(ctx, "github.com/BurntSushi/toml")
	if err != nil || from.Kind != KindFile || !slices.Equal(versions, []string{"v0.1.0"}) {
		t.Errorf("ListChain = %q from %v, %v", versions, from, err)
	}
}

func TestFileCancelled(t *testing.T) {
	tree := writeTree(t)
	c := newTestClient(t, testConfig(t, fileURL(tree)))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := c.ListChain(ctx, "example.com/mod"); !errors.Is(err, context.Canceled) {
		t.Errorf("ListChain with a cancelled context = %v", err)
	}
	r := c.Remotes()[0]
	if _, err := c.Catalog(ctx, r); !errors.Is(err, context.Canceled) {
		t.Errorf("Catalog with a cancelled context = %v", err)
	}
	if _, err := c.Zip(ctx, r, "example.com/mod", "v1.0.0", io.Discard); !errors.Is(err, context.Canceled) {
		t.Errorf("Zip with a cancelled context = %v", err)
	}
}

func TestFileSizeCap(t *testing.T) {
	tree := writeTree(t)
	cfg := testConfig(t, fileURL(tree))
	cfg.MaxMetaBytes = 10
	cfg.MaxZipBytes = 100
	c := newTestClient(t, cfg)
	r := c.Remotes()[0]
	_, err := c.GoMod(context.Background(), r, "example.com/mod", "v1.0.0")
	wantErrContains(t, err, "mod example.com/mod@v1.0.0", "exceeds the 10 bytes limit")
	_, err = c.Zip(context.Background(), r, "example.com/mod", "v1.0.0", io.Discard)
	wantErrContains(t, err, "zip example.com/mod@v1.0.0", "exceeds the 100 bytes limit")
}

// A read that blocks (a file on a hung network mount; here a pipe nobody
// writes) gives way when the context ends, so the timeout and ctrl+c work.
func TestFileBodyReadGivesWayToContext(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	body := &fileBody{ctx: ctx, f: r}
	done := make(chan error, 1)
	go func() {
		_, err := body.Read(make([]byte, 10))
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("read ended with %v, want the deadline", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a blocked read ignored the context for 10s")
	}
	if err := body.Close(); err != nil {
		t.Error(err)
	}
}
