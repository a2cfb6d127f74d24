package cache

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/mod/module"
)

func unescapeVersion(esc string) (string, error) { return module.UnescapeVersion(esc) }

// maxInfo bounds how much of a .info file is read; real ones are a few
// hundred bytes, so anything larger is damage, not data.
const maxInfo = 64 << 10

// readSmall reads a small file without moving its access time.
func readSmall(path string) (string, bool) {
	f, preserved, err := openNoAtime(path)
	if err != nil {
		return "", preserved
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, maxInfo))
	return string(b), preserved
}

// readInfo parses a .info file for its publish time. problem is set when
// the file is not what go writes; tainted when reading it may have moved
// its access time, so that atime no longer means "used by go".
func readInfo(path, version string) (published int64, problem string, tainted bool) {
	f, preserved, err := openNoAtime(path)
	if err != nil {
		return 0, "cannot read .info: " + errText(err), false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxInfo+1))
	tainted = !preserved
	if err != nil {
		return 0, "cannot read .info: " + errText(err), tainted
	}
	if len(data) > maxInfo {
		return 0, fmt.Sprintf(".info is larger than %d KiB", maxInfo>>10), tainted
	}
	var info struct {
		Version string
		Time    *time.Time
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return 0, ".info is malformed: " + err.Error(), tainted
	}
	if info.Version != version {
		return 0, fmt.Sprintf(".info names version %q", info.Version), tainted
	}
	if info.Time != nil {
		published = info.Time.UnixNano()
	}
	return published, "", tainted
}

// OpenNoAtime opens a cache file for reading without moving its access
// time where the OS allows (Linux, as the file's owner): atimes are how
// modcache tells when a build last used a version, and looking, verifying
// or pushing is not a use.
func OpenNoAtime(path string) (*os.File, error) {
	f, _, err := openNoAtime(path)
	return f, err
}
