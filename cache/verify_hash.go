package cache

import (
	"archive/zip"
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	kflate "github.com/klauspost/compress/flate"
)

// Verify hashes every file once, keeping the per-file SHA-256 sums, and
// builds go's h1: hash from them (dirhash.Hash1: the SHA-256 of lines
// "<hex sum>  <name>\n" in sorted name order). The per-file sums let a
// mismatch name the files that differ, not only say that something does.

type sums map[string][sha256.Size]byte // by name as hashed, "path@version/file"

// h1 is dirhash.Hash1 over precomputed file sums.
func (s sums) h1() (string, error) {
	names := make([]string, 0, len(s))
	for n := range s {
		if strings.Contains(n, "\n") {
			return "", errors.New("dirhash: filenames with newlines are not supported")
		}
		names = append(names, n)
	}
	slices.Sort(names)
	h := sha256.New()
	var line []byte
	for _, n := range names {
		sum := s[n]
		line = hex.AppendEncode(line[:0], sum[:])
		line = append(line, "  "...)
		line = append(line, n...)
		line = append(line, '\n')
		h.Write(line)
	}
	return "h1:" + base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}

// counter tallies what hashing read, for progress.
type counter struct{ files, bytes atomic.Int64 }

// hasher is one worker's scratch space: hashing a cache is mostly small
// files, so a buffer and a SHA-256 state per file would be most of the
// garbage.
type hasher struct {
	n   *counter
	buf []byte
	h   hash.Hash
}

func newHasher(n *counter) *hasher {
	return &hasher{n: n, buf: make([]byte, 64<<10), h: sha256.New()}
}

// sum hashes what r yields.
func (hs *hasher) sum(r io.Reader, keep *[]byte) (s [sha256.Size]byte, err error) {
	hs.h.Reset()
	for {
		n, err := r.Read(hs.buf)
		hs.h.Write(hs.buf[:n])
		if keep != nil {
			*keep = append(*keep, hs.buf[:n]...)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return s, err
		}
	}
	hs.h.Sum(s[:0])
	return s, nil
}

// zip hashes the content of every file in a module zip, as
// dirhash.HashZip does, keeping the content of the file named keep (the
// module's go.mod) on the way. The zip's access time is not a use signal,
// so a plain open is fine.
func (hs *hasher) zip(path, keep string) (sums, []byte, error) {
	z, err := zip.OpenReader(path)
	if err != nil {
		return nil, nil, err
	}
	defer z.Close()
	z.RegisterDecompressor(zip.Deflate, inflater)
	out := make(sums, len(z.File))
	var kept []byte
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %v", f.Name, err)
		}
		var k *[]byte
		if f.Name == keep {
			k = &kept
		}
		s, err := hs.sum(r, k)
		r.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %v", f.Name, err)
		}
		out[f.Name] = s
		hs.n.bytes.Add(int64(f.CompressedSize64))
	}
	hs.n.files.Add(1)
	return out, kept, nil
}

// inflater decompresses zip entries with klauspost/compress's flate,
// which inflates faster than the standard library's; for verify,
// inflating zips is most of the work. Readers are pooled, each with a
// buffered reader its decoder has a fast path for.
func inflater(r io.Reader) io.ReadCloser {
	fr := inflaters.Get().(*pooledInflater)
	fr.br.Reset(r)
	fr.fr.(kflate.Resetter).Reset(fr.br, nil)
	return fr
}

type pooledInflater struct {
	br *bufio.Reader
	fr io.ReadCloser
}

func (p *pooledInflater) Read(b []byte) (int, error) { return p.fr.Read(b) }

func (p *pooledInflater) Close() error {
	err := p.fr.Close()
	p.br.Reset(nil)
	inflaters.Put(p)
	return err
}

var inflaters = sync.Pool{New: func() any {
	br := bufio.NewReaderSize(nil, 32<<10)
	return &pooledInflater{br: br, fr: kflate.NewReader(br)}
}}

// treeProblem is something in an extracted tree that cannot be hashed the
// way go would: a symlink or other irregular file, or an unreadable one.
type treeProblem struct {
	name string
	err  string
}

// tree hashes an extracted tree with dirhash.HashDir's naming (the prefix
// is path@version) without moving access times, which record use, and
// without following symlinks.
func (hs *hasher) tree(dir, prefix string) (sums, []treeProblem, error) {
	out := sums{}
	var problems []treeProblem
	var walk func(dir, rel string) error
	walk = func(dir, rel string) error {
		d, err := os.Open(dir)
		if err != nil {
			return err
		}
		defer d.Close()
		ents, err := d.ReadDir(-1)
		if err != nil {
			return err
		}
		for _, e := range ents {
			name := rel + "/" + e.Name()
			full := dir + string(filepath.Separator) + e.Name()
			switch {
			case e.IsDir():
				if err := walk(full, name); err != nil {
					problems = append(problems, treeProblem{name, errText(err)})
				}
				continue
			case !e.Type().IsRegular():
				problems = append(problems, treeProblem{name, "is a " + typeName(e.Type()) + ", which go never extracts"})
				continue
			}
			sum, size, err := hs.file(d, e.Name(), full)
			if err != nil {
				problems = append(problems, treeProblem{name, errText(err)})
				continue
			}
			out[name] = sum
			hs.n.files.Add(1)
			hs.n.bytes.Add(size)
		}
		return nil
	}
	if err := walk(dir, prefix); err != nil {
		return nil, nil, err
	}
	return out, problems, nil
}

func typeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "irregular file"
}

// HashGoMod is the go.sum "/go.mod h1:" hash of a .mod file's bytes:
// Hash1 over a single file named go.mod.
func HashGoMod(data []byte) string {
	s, _ := sums{"go.mod": sha256.Sum256(data)}.h1()
	return s
}

// diffSums describes how a tree differs from a zip, naming a few files.
func diffSums(tree, zip sums) string {
	var extra, missing, differ []string
	for n, s := range tree {
		if zs, ok := zip[n]; !ok {
			extra = append(extra, n)
		} else if zs != s {
			differ = append(differ, n)
		}
	}
	for n := range zip {
		if _, ok := tree[n]; !ok {
			missing = append(missing, n)
		}
	}
	var parts []string
	add := func(what string, names []string) {
		if len(names) == 0 {
			return
		}
		slices.Sort(names)
		for i, n := range names {
			names[i] = fileName(n)
		}
		s := what + " " + strings.Join(names[:min(3, len(names))], ", ")
		if len(names) > 3 {
			s += fmt.Sprintf(" and %d more", len(names)-3)
		}
		parts = append(parts, s)
	}
	add("changed:", differ)
	add("extra:", extra)
	add("missing:", missing)
	return strings.Join(parts, "; ")
}
