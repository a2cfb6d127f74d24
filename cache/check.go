package cache

import (
	"fmt"
	"strings"
	"sync"

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
	FindingZipHash     = "zip-hash"     // zip does not hash to .ziphash (the tree, if any, agrees with .ziphash or is damaged too)
	FindingZipInvalid  = "zip-invalid"  // zip unreadable or fails zip.CheckZip
	FindingZipHashBad  = "ziphash-bad"  // .ziphash unreadable, not an h1: line, or unlike a zip and tree that agree
	FindingModInvalid  = "mod-invalid"  // .mod unreadable, does not parse, or differs from the zip's go.mod
	FindingInfoInvalid = "info-invalid" // .info unreadable, malformed, or names another version
	FindingTree        = "tree"         // extracted tree differs from .ziphash, or holds what go never extracts
	FindingPartial     = "partial"      // .partial with no go command holding the lock
	FindingState       = "state"        // a combination of files go rejects
	FindingList        = "list"         // list disagrees with the .mod files present (Version is "")
	FindingGoSum       = "gosum"        // disagrees with a go.sum line
)

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
	hs := getHasher(&counter{})
	defer hashers.Put(hs)
	s, _, err := hs.zip(path, "")
	if err != nil {
		return "", err
	}
	return s.h1()
}

// hashers keep hashers (a 64 KiB buffer each) for reuse across zips and
// versions, instead of one allocated per zip.
var hashers = sync.Pool{New: func() any { return newHasher(nil) }}

// getHasher takes a hasher from the pool that counts into n.
func getHasher(n *counter) *hasher {
	hs := hashers.Get().(*hasher)
	hs.n = n
	return hs
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
