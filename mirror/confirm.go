package mirror

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/modcache/modcache/internal/parallel"
)

// Confirm reads back what a push promised: every file of the plan is on
// the target with the same bytes, and every full version is in its
// module's list. It returns one error per problem.
func Confirm(ctx context.Context, plan *Plan, t Target) []error {
	var (
		mu   sync.Mutex
		errs []error
	)
	fail := func(name string, err error) {
		mu.Lock()
		errs = append(errs, &FileError{File: name, Target: t.String(), Err: err})
		mu.Unlock()
	}
	files := plan.files()
	if b, ok := t.(*bundleTarget); ok {
		return confirmBundle(ctx, b, files)
	}
	parallel.Each(ctx, 8, len(files), func(i int) {
		same, err := t.Same(ctx, files[i].Name, files[i].src)
		switch {
		case err != nil:
			fail(files[i].Name, err)
		case !same:
			fail(files[i].Name, fmt.Errorf("missing or different after the push"))
		}
	})
	// Every full version is listed: one list request per module, several
	// at a time.
	full := map[string][]string{}
	var paths []string
	for _, v := range plan.Versions {
		if v.Full {
			if full[v.Path] == nil {
				paths = append(paths, v.Path)
			}
			full[v.Path] = append(full[v.Path], v.Version)
		}
	}
	parallel.Each(ctx, 8, len(paths), func(i int) {
		listed, err := t.Versions(ctx, paths[i])
		if err != nil {
			fail(paths[i], err)
			return
		}
		for _, v := range full[paths[i]] {
			if !slices.Contains(listed, v) {
				name, _ := listName(paths[i])
				fail(name, fmt.Errorf("does not list %s", v))
			}
		}
	})
	if err := ctx.Err(); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// confirmBundle checks the written bundle's manifest against the plan. A
// bundle cannot be asked for single files, and its entries were checked
// against the manifest as they were written.
func confirmBundle(ctx context.Context, b *bundleTarget, files []*File) []error {
	m, err := ReadManifest(ctx, b.path)
	if err != nil {
		return []error{err}
	}
	have := map[string]string{}
	for _, f := range m.Files {
		have[f.Name] = f.SHA256
	}
	var errs []error
	for _, f := range files {
		want, err := f.src.SHA256()
		if err == nil && have[f.Name] != want {
			err = fmt.Errorf("missing or different in the bundle")
		}
		if err != nil {
			errs = append(errs, &FileError{File: f.Name, Target: b.String(), Err: err})
		}
	}
	return errs
}
