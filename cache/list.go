package cache

import (
	"bytes"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// listLockWait bounds the wait for a list lock: go holds it only while
// writing a few lines.
const listLockWait = 10 * time.Second

// versionsWithMod returns, from a @v directory's entry names, the
// canonical versions that have a .mod file, semver-sorted: what cmd/go
// writes to list. A version with a .mod is usable for module graphs even
// without its zip; one without is unusable, so it is not listed.
func versionsWithMod(names []string) []string {
	var list []string
	for _, n := range names {
		if v, ok := strings.CutSuffix(n, ".mod"); ok && v != "" && module.CanonicalVersion(v) == v {
			list = append(list, v)
		}
	}
	semver.Sort(list)
	return list
}

// RewriteVersionList rewrites the list of modPath's @v directory under
// root, as cmd/go's rewriteVersionList does after writing a .mod. Prunes,
// repairs and bundle imports all end with it. A module with no @v
// directory has nothing to list.
func RewriteVersionList(root, modPath string) error {
	escPath, err := module.EscapePath(modPath)
	if err != nil {
		return err
	}
	vd, err := openSafe(root, "cache/download/"+escPath+"/@v")
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer vd.Close()
	return vd.rewriteList()
}

// rewriteList is cmd/go's rewriteVersionList on a directory opened
// safely: under the lock on list, which is opened through the directory's
// handle without following a symlink, write the versions that have a
// .mod, only when the contents change.
func (vd *safeDir) rewriteList() error {
	f, unlock, err := vd.lockFile("list", listLockWait)
	if err != nil {
		return err
	}
	defer unlock()
	names, err := vd.names()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	for _, v := range versionsWithMod(names) {
		buf.WriteString(v)
		buf.WriteString("\n")
	}
	if fi, err := f.Stat(); err == nil && int(fi.Size()) == buf.Len() {
		old := make([]byte, buf.Len()+1)
		if n, err := f.ReadAt(old, 0); err == io.EOF && n == buf.Len() && bytes.Equal(buf.Bytes(), old[:n]) {
			return nil
		}
	}
	// As go does: truncate, reserve the size zero-filled, then write, so a
	// torn write shows as NUL bytes rather than as a plausible list.
	if err := f.Truncate(0); err != nil {
		return err
	}
	if err := f.Truncate(int64(buf.Len())); err != nil {
		return err
	}
	if _, err := f.WriteAt(buf.Bytes(), 0); err != nil {
		f.Truncate(0)
		return err
	}
	return nil
}
