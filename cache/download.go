package cache

import (
	"context"
	"errors"
	"os"
	"slices"

	"golang.org/x/mod/module"

	"github.com/modcache/modcache/internal/gocmd"
)

// Download has the go command download versions into the cache at root,
// the one way modcache ever fills a cache from the network: go checks each
// module against the checksum database before writing it. It runs outside
// any module (in a temporary directory), with env plus GOMODCACHE=root.
// It returns the versions that failed, with go's reason; when go could not
// run at all, that reason is every version's. gets, when not nil, follows
// the files go fetches, for progress.
func Download(ctx context.Context, root string, env []string, vs []module.Version, gets *gocmd.GetCounter) map[module.Version]string {
	return download(ctx, root, env, vs, gets, "-mod=mod", modDownload)
}

// DownloadGoMods is Download for versions of which only the go.mod is
// needed, to load a module graph or to push a version graph-only: go
// fetches their .info and .mod, checked the same way, and not their zips.
func DownloadGoMods(ctx context.Context, root string, env []string, vs []module.Version, gets *gocmd.GetCounter) map[module.Version]string {
	return download(ctx, root, env, vs, gets, "-mod=mod", modList)
}

// fetcher is a go command that fetches versions into a cache, with its
// name for failures.
type fetcher struct {
	name string
	run  func(context.Context, string, []string, *gocmd.GetCounter, ...string) ([]gocmd.Downloaded, error)
}

var (
	modDownload = fetcher{"go mod download", gocmd.ModDownload}
	modList     = fetcher{"go list -m", gocmd.ModList}
)

// download is Download with the GOFLAGS to use (a scratch cache adds
// -modcacherw so it can be removed; the user's cache keeps go's
// read-only trees) and the go command that fetches.
func download(ctx context.Context, root string, env []string, vs []module.Version, gets *gocmd.GetCounter, goflags string, fetch fetcher) map[module.Version]string {
	failed := map[module.Version]string{}
	failAll := func(reason string) map[module.Version]string {
		for _, mv := range vs {
			failed[mv] = reason
		}
		return failed
	}
	if len(vs) == 0 {
		return failed
	}
	dir, err := os.MkdirTemp("", "modcache-download-")
	if err != nil {
		return failAll(err.Error())
	}
	defer os.RemoveAll(dir)
	var args []string
	for _, mv := range vs {
		args = append(args, mv.String())
	}
	// Later entries win. GOFLAGS is reset so a user's -mod=vendor cannot
	// get in the way outside a module.
	env = append(slices.Clip(env), "GOMODCACHE="+root, "GOWORK=off", "GOFLAGS="+goflags)
	ds, err := fetch.run(ctx, dir, env, gets, args...)
	if ge := (*gocmd.Error)(nil); errors.As(err, &ge) {
		return failAll(fetch.name + ": " + ge.Reason)
	} else if err != nil {
		return failAll(err.Error())
	}
	reported := map[module.Version]bool{}
	for _, d := range ds {
		mv := module.Version{Path: d.Path, Version: d.Version}
		reported[mv] = true
		if d.Error != "" {
			failed[mv] = fetch.name + ": " + d.Reason()
		}
	}
	for _, mv := range vs {
		if !reported[mv] {
			failed[mv] = fetch.name + " did not report it"
		}
	}
	return failed
}
