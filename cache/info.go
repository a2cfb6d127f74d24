package cache

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// maxInfo bounds how much of a .info file is read; real ones are a few
// hundred bytes, so anything larger is damage, not data.
const maxInfo = 64 << 10

// OpenNoAtime opens a cache file for reading without moving its access
// time where the OS allows (Linux, as the file's owner): atimes are how
// modcache tells when a build last used a version, and looking, verifying
// or pushing is not a use.
func OpenNoAtime(path string) (*os.File, error) {
	f, _, err := openNoAtime(path)
	return f, err
}

// errTooLarge is a file over the size a reader accepts.
type errTooLarge struct{ limit int64 }

func (e errTooLarge) Error() string { return fmt.Sprintf("larger than %d bytes", e.limit) }

// readNoAtime reads a small cache file of at most limit bytes without
// moving its access time. preserved is false when the OS could not
// promise that, so the caller knows the atime no longer means "used".
func readNoAtime(path string, limit int64) (data []byte, preserved bool, err error) {
	// go writes these as plain files. Through a symlink a report could
	// quote a file outside the cache, and opening a FIFO blocks for good.
	if fi, err := os.Lstat(path); err != nil {
		return nil, false, err
	} else if fi.Mode()&fs.ModeSymlink != 0 {
		return nil, false, &fs.PathError{Op: "open", Path: path, Err: errors.New("a symlink, which go never writes; not read through")}
	} else if !fi.Mode().IsRegular() {
		return nil, false, &fs.PathError{Op: "open", Path: path, Err: errors.New("not a regular file")}
	}
	f, preserved, err := openNoAtime(path)
	if err != nil {
		return nil, preserved, err
	}
	defer f.Close()
	var b bytes.Buffer
	n, err := io.Copy(&b, io.LimitReader(f, limit+1))
	if err != nil {
		return nil, preserved, err
	}
	if n > limit {
		return nil, preserved, &os.PathError{Op: "read", Path: path, Err: errTooLarge{limit}}
	}
	return b.Bytes(), preserved, nil
}

// readFileNoAtime is readNoAtime for callers that do not track atimes.
func readFileNoAtime(path string, limit int64) ([]byte, error) {
	data, _, err := readNoAtime(path, limit)
	return data, err
}

// parseInfo reads a .info file's contents: the publish time, and what is
// wrong with it ("" when nothing): it must be JSON naming exactly version.
func parseInfo(data []byte, version string) (published time.Time, problem string) {
	var info struct {
		Version string
		Time    *time.Time
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return time.Time{}, ".info is malformed: " + err.Error()
	}
	if info.Version != version {
		return time.Time{}, fmt.Sprintf(".info names version %q", info.Version)
	}
	if info.Time != nil {
		published = *info.Time
	}
	return published, ""
}

// CheckInfoFile reads a .info file without moving its access time and
// returns what is wrong with it, or "".
func CheckInfoFile(path, version string) string {
	_, problem, _ := readInfo(path, version)
	return problem
}

// readInfo reads a .info file for its publish time (Unix ns, 0 when
// unknown). problem is set when the file is not what go writes; tainted
// when reading it may have moved its access time.
func readInfo(path, version string) (published int64, problem string, tainted bool) {
	data, preserved, err := readNoAtime(path, maxInfo)
	tainted = err == nil && !preserved
	switch {
	case err != nil && isTooLarge(err):
		return 0, fmt.Sprintf(".info is larger than %d KiB", maxInfo>>10), !preserved
	case err != nil:
		return 0, "cannot read .info: " + errText(err), false
	}
	t, problem := parseInfo(data, version)
	if !t.IsZero() {
		published = t.UnixNano()
	}
	return published, problem, tainted
}

func isTooLarge(err error) bool {
	var tl errTooLarge
	return errors.As(err, &tl)
}
