package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// GoEnv is what Resolve and Locate need from `go env`; goenv.Env
// satisfies it.
type GoEnv interface{ Get(key string) string }

// Resolve names the module cache root the way the go command does: the
// explicit flag value first, then $GOMODCACHE, then `go env GOMODCACHE`
// (which already covers the go env file), then $GOPATH/pkg/mod with
// GOPATH's default. It also says where the name came from, for messages.
// A relative path is an error, as it is for go. The root need not exist:
// fetch and import create it.
func Resolve(flag string, goenv GoEnv) (root, source string, err error) {
	root, source = flag, "--modcache"
	if root == "" {
		root, source = os.Getenv("GOMODCACHE"), "GOMODCACHE"
	}
	if root == "" && goenv != nil {
		root, source = goenv.Get("GOMODCACHE"), "go env GOMODCACHE"
	}
	if root == "" {
		gopath := os.Getenv("GOPATH")
		if gopath == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", "", fmt.Errorf("cannot find the module cache: GOMODCACHE and GOPATH are unset and %v", err)
			}
			gopath = filepath.Join(home, "go")
		}
		// Like go, use the first GOPATH entry.
		root, source = filepath.Join(filepath.SplitList(gopath)[0], "pkg", "mod"), "GOPATH"
	}
	if !filepath.IsAbs(root) {
		return "", "", fmt.Errorf("module cache path %q (from %s) is relative; it must be an absolute path", root, source)
	}
	return filepath.Clean(root), source, nil
}

// Locate finds the module cache root as Resolve names it, and requires it
// to exist as a directory.
func Locate(flag string, goenv GoEnv) (string, error) {
	root, source, err := Resolve(flag, goenv)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(root)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("module cache %s (from %s) does not exist: no module has been downloaded yet, or --modcache points to the wrong place", root, source)
	case err != nil:
		return "", fmt.Errorf("module cache %s (from %s): %v", root, source, err)
	case !fi.IsDir():
		return "", fmt.Errorf("module cache %s (from %s) is not a directory", root, source)
	}
	// The root itself may be a symlink the user chose; nothing below it is
	// ever followed.
	if real, err := filepath.EvalSymlinks(root); err == nil {
		root = real
	}
	return root, nil
}
