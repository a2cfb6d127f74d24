package mirror

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// realRecord is a record sum.golang.org signed, with the tiles that prove
// it, in testdata as a bundle holds them: go's built-in key must check it
// out, and a record changed by a single byte must not.
const realRecord = "sumdb/sum.golang.org/lookup/github.com/mitchellh/go-homedir@v1.1.0"

// stagedFromTestdata stages testdata/sumdb as a bundle's sumdb entries,
// with edit applied to each file's content.
func stagedFromTestdata(t *testing.T, edit func(name string, data []byte) []byte) *stagedBundle {
	t.Helper()
	b := &stagedBundle{dir: t.TempDir(), files: map[string]ManifestFile{}, names: map[string]fileName{}, sums: map[string]string{}}
	err := filepath.WalkDir("testdata/sumdb", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := filepath.ToSlash(strings.TrimPrefix(p, "testdata/"))
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fn, err := parseName(name)
		if err != nil {
			return err
		}
		dst := b.path(name)
		os.MkdirAll(filepath.Dir(dst), 0o777)
		b.files[name], b.names[name] = ManifestFile{Name: name, Size: int64(len(data))}, fn
		return os.WriteFile(dst, edit(name, data), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRecordsOfSumGolangOrg(t *testing.T) {
	same := func(_ string, data []byte) []byte { return data }
	b := stagedFromTestdata(t, same)
	if _, err := b.checkRecords(nil, true); err != nil {
		t.Fatalf("a record sum.golang.org signed: %v", err)
	}
	if _, ok := b.names[realRecord]; !ok {
		t.Error("the checked record is left out of the cache")
	}

	b = stagedFromTestdata(t, same)
	b.sums["github.com/mitchellh/go-homedir v1.1.0"] = "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	if _, err := b.checkRecords(nil, true); err == nil || !strings.Contains(err.Error(), "but the checksum database sum.golang.org says") {
		t.Errorf("a go.sum line the record contradicts: %v", err)
	}

	b = stagedFromTestdata(t, func(name string, data []byte) []byte {
		if name == realRecord {
			return bytes.Replace(data, []byte("h1:l"), []byte("h1:m"), 1)
		}
		return data
	})
	if _, err := b.checkRecords(nil, true); err == nil || !strings.Contains(err.Error(), "does not check out") {
		t.Errorf("a record changed by one byte: %v", err)
	}

	// Another database's records cannot be checked: a module cache does
	// not get them, a mirror (whose clients check them) does.
	for _, intoCache := range []bool{true, false} {
		b = stagedFromTestdata(t, same)
		if _, err := b.checkRecords([]string{"GOSUMDB=off"}, intoCache); err != nil {
			t.Fatal(err)
		}
		if _, kept := b.names[realRecord]; kept == intoCache {
			t.Errorf("GOSUMDB=off, into the cache %v: record kept %v", intoCache, kept)
		}
	}
}
