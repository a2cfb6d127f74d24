package cache

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

// Finding is one thing wrong with a module version in the cache.
type Finding struct {
	Path    string `json:"path"`
	Version string `json:"version"`
	Kind    string `json:"kind"`   // one of the Finding* constants
	Detail  string `json:"detail"` // human explanation
	// Serious marks findings that suggest tampering or corruption rather
	// than an interrupted download: a cache entry that disagrees with a
	// go.sum or its own .ziphash.
	Serious bool `json:"serious,omitempty"`
}

func (f Finding) String() string {
	if f.Version == "" {
		return fmt.Sprintf("%s: %s", f.Path, f.Detail)
	}
	return fmt.Sprintf("%s@%s: %s", f.Path, f.Version, f.Detail)
}

// Kinds of findings.
const (
	FindingZipHash     = "zip-hash"     // zip (or zip and tree) do not hash to .ziphash
	FindingZipInvalid  = "zip-invalid"  // zip unreadable or fails zip.CheckZip
	FindingZipHashBad  = "ziphash-bad"  // .ziphash unreadable or not an h1: line
	FindingModInvalid  = "mod-invalid"  // .mod unreadable, does not parse, or differs from the zip's go.mod
	FindingInfoInvalid = "info-invalid" // .info unreadable, malformed, or names another version
	FindingTree        = "tree"         // extracted tree differs from .ziphash, or holds what go never extracts
	FindingPartial     = "partial"      // .partial with no go command holding the lock
	FindingState       = "state"        // a combination of files go rejects
	FindingList        = "list"         // list disagrees with the .mod files present (Version is "")
	FindingGoSum       = "gosum"        // disagrees with a go.sum line
)

// CheckDownload verifies the download files of one version, the way go
// would trust them: the zip hashes to .ziphash and passes zip.CheckZip,
// .info parses and names this version, .mod parses. Files that are absent
// are not findings here: a mod-only version has no zip. Reads do not move
// the access times that record use.
func CheckDownload(root, path, version string) ([]Finding, error) {
	f, err := PathsFor(root, path, version)
	if err != nil {
		return nil, err
	}
	var out []Finding
	add := func(kind, detail string, serious bool) {
		out = append(out, Finding{Path: path, Version: version, Kind: kind, Detail: detail, Serious: serious})
	}
	if data, err := readFileNoAtime(f.Info, 1<<20); err == nil {
		if problem := CheckInfo(data, version); problem != "" {
			add(FindingInfoInvalid, problem, false)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		add(FindingInfoInvalid, "cannot read .info: "+errText(err), false)
	}
	if data, err := readFileNoAtime(f.Mod, modzip.MaxGoMod); err == nil {
		if _, err := modfile.ParseLax("go.mod", data, nil); err != nil {
			add(FindingModInvalid, ".mod does not parse: "+firstLine(err.Error()), false)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		add(FindingModInvalid, "cannot read .mod: "+errText(err), false)
	}
	if _, err := os.Lstat(f.Zip); err == nil {
		m := module.Version{Path: path, Version: version}
		if _, err := modzip.CheckZip(m, f.Zip); err != nil {
			add(FindingZipInvalid, "zip is invalid: "+firstLine(err.Error()), true)
		} else if sum, err := HashZip(f.Zip); err != nil {
			add(FindingZipInvalid, "zip cannot be hashed: "+firstLine(err.Error()), true)
		} else if want, err := ReadZipHash(f.ZipHash); err == nil && want != sum {
			add(FindingZipHash, fmt.Sprintf("zip hashes to %s but .ziphash says %s", sum, want), true)
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			add(FindingZipHashBad, err.Error(), false)
		}
	}
	return out, nil
}

// CheckInfo returns what is wrong with a .info file's contents, or "":
// it must be JSON naming exactly the version it is for.
func CheckInfo(data []byte, version string) string {
	var info struct {
		Version string
		Time    *time.Time
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return ".info is malformed: " + err.Error()
	}
	if info.Version != version {
		return fmt.Sprintf(".info names version %q", info.Version)
	}
	return ""
}

// ReadZipHash reads a .ziphash file: one "h1:" hash.
func ReadZipHash(path string) (string, error) {
	data, err := readFileNoAtime(path, 1024)
	if err != nil {
		return "", err
	}
	h := strings.TrimSpace(string(data))
	if !strings.HasPrefix(h, "h1:") || strings.ContainsAny(h, " \n") {
		return "", fmt.Errorf(".ziphash does not hold an h1: hash (%q)", firstLine(h))
	}
	return h, nil
}

// HashZip is dirhash.HashZip, the go.sum h1: hash of a module zip, with
// the verifier's faster inflater: hashing zips is most of the cost of
// verifying and of pushing, since h1 is over the decompressed content.
func HashZip(path string) (string, error) {
	hs := hashers.Get().(*hasher)
	defer hashers.Put(hs)
	s, _, err := hs.zip(path, "")
	if err != nil {
		return "", err
	}
	return s.h1()
}

var hashers = sync.Pool{New: func() any { return newHasher(&counter{}) }}

// ReadFileNoAtime reads a small cache file without marking it used.
func readFileNoAtime(path string, limit int64) ([]byte, error) {
	f, _, err := openNoAtime(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var b bytes.Buffer
	n, err := io.Copy(&b, io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return b.Bytes(), nil
}

// ReadMod reads a version's .mod file without marking it used.
func ReadMod(root, path, version string) ([]byte, error) {
	f, err := PathsFor(root, path, version)
	if err != nil {
		return nil, err
	}
	return readFileNoAtime(f.Mod, modzip.MaxGoMod)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
