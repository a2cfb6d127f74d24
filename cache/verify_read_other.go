//go:build !linux

package cache

import (
	"crypto/sha256"
	"io"
	"os"
)

// file hashes the file name in dir (full is its path) without moving its
// access time where the system allows.
func (hs *hasher) file(dir *os.File, name, full string) (s [sha256.Size]byte, size int64, err error) {
	f, _, err := openNoAtime(full)
	if err != nil {
		return s, 0, err
	}
	defer f.Close()
	cr := &countingReader{r: f}
	s, err = hs.sum(cr, nil)
	return s, cr.n, err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
