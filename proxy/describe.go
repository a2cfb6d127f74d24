package proxy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// Report is what one source says about one module.
type Report struct {
	Versions   []string // semver-sorted
	NotFound   bool     // the source does not have the module
	Private    bool     // GOPRIVATE/GONOPROXY: go never asks a proxy
	Err        error    // the lookup failed; the other fields are empty
	Latest     string   // what go's @latest would pick here
	Deprecated string   // from the latest go.mod
	Retracted  []modfile.VersionInterval
}

// Has reports whether the source holds version.
func (r *Report) Has(version string) bool { return slices.Contains(r.Versions, version) }

// IsRetracted reports whether the latest go.mod retracts v.
func (r *Report) IsRetracted(v string) bool {
	for _, iv := range r.Retracted {
		if semver.Compare(iv.Low, v) <= 0 && semver.Compare(v, iv.High) <= 0 {
			return true
		}
	}
	return false
}

// Answered reports whether the source said definitely which versions it
// holds.
func (r *Report) Answered() bool { return r.Err == nil && !r.Private }

// Held asks src which versions of a module it holds: the ones its list
// names, and, one .mod request each, the ones of local it serves without
// listing them (proxies leave pseudo-versions out of lists, and a list may
// lag behind). Only Versions, NotFound, Private and Err are set. The TUI,
// `modcache remote` and prune's irreplaceable check all ask this way, so
// they agree.
func Held(ctx context.Context, src Source, path string, local []string) *Report {
	r, _ := held(ctx, src, path, local)
	return r
}

// held is Held, plus the go.mod files it fetched on the way, by version,
// so Describe need not fetch the latest one again.
func held(ctx context.Context, src Source, path string, local []string) (*Report, map[string][]byte) {
	if why := src.Unavailable(); why != "" {
		return &Report{Err: errors.New(why)}, nil
	}
	if src.Private(path) {
		return &Report{Private: true}, nil
	}
	r := &Report{}
	versions, err := src.Versions(ctx, path)
	switch {
	case errors.Is(err, ErrNotFound):
		r.NotFound = true
	case errors.Is(err, ErrPrivate):
		return &Report{Private: true}, nil
	case err != nil:
		return &Report{Err: err}, nil
	}
	mods := map[string][]byte{}
	for _, v := range local {
		if slices.Contains(versions, v) {
			continue
		}
		data, err := src.GoMod(ctx, path, v)
		if err == nil {
			err = checkGoMod(src, path, v, data)
		}
		switch {
		case err == nil:
			versions = append(versions, v)
			mods[v] = data
		case !errors.Is(err, ErrNotFound):
			// Not an answer: the version may well be there, and calling it
			// irreplaceable would be a guess.
			return &Report{Err: err}, nil
		}
	}
	semver.Sort(versions)
	r.Versions = versions
	return r, mods
}

// checkGoMod fails unless data is a go.mod go would take for path@version:
// it parses and its module line names path. A version without a go.mod
// (or +incompatible) is served as the synthesized "module PATH", which
// passes too. Anything else, such as a sign-in page or an empty body some
// server answers every request with, is no proof the remote holds the
// version, and taking it as proof would let prune delete the only copy.
func checkGoMod(src Source, path, version string, data []byte) error {
	f, err := modfile.ParseLax("go.mod", data, nil)
	if err == nil && f.Module != nil && f.Module.Mod.Path == path {
		return nil
	}
	detail := BodyDetail(data)
	if detail == "" {
		detail = "empty"
	}
	return fmt.Errorf("%s: mod %s@%s: answer is not a go.mod for this module (%s)", src.Name(), path, version, detail)
}

// Describe is Held plus what the latest version says of the module: its
// deprecation and retractions. It costs a .mod request more, unless Held
// fetched that one already (and @latest when the list is empty).
func Describe(ctx context.Context, src Source, path string, local []string) *Report {
	r, mods := held(ctx, src, path, local)
	if r.Err != nil || r.Private {
		return r
	}
	versions := r.Versions
	latest := PickLatest(versions)
	if latest == "" && !r.NotFound {
		li, err := src.Latest(ctx, path)
		switch {
		case err == nil:
			latest = li.Version
		case !errors.Is(err, ErrNotFound):
			// go's @latest fails the same way here: the remote gave no
			// answer (a 5xx, a page that is not .info), which is not
			// "no versions".
			return &Report{Err: err}
		}
	}
	if latest != "" {
		data, ok := mods[latest]
		var err error
		if !ok {
			data, err = src.GoMod(ctx, path, latest)
		}
		if err == nil {
			if f, err := modfile.ParseLax("go.mod", data, nil); err == nil {
				if f.Module != nil {
					r.Deprecated = Printable(f.Module.Deprecated) // the remote's words, shown on a terminal
				}
				for _, rt := range f.Retract {
					r.Retracted = append(r.Retracted, rt.VersionInterval)
				}
			}
		}
	}
	r.Latest = latest
	// Like go's @latest, skip retracted versions when others exist.
	var live []string
	for _, v := range r.Versions {
		if !r.IsRetracted(v) {
			live = append(live, v)
		}
	}
	if l := PickLatest(live); l != "" {
		r.Latest = l
	}
	// Versions are slices of the list's whole body, which may be megabytes;
	// callers keeping only Latest (outdated, for hundreds of modules) must
	// not keep every body alive with it. Deprecated is a copy already.
	r.Latest = strings.Clone(r.Latest)
	return r
}

// PickLatest is go's @latest over a list: the highest release, else the
// highest pre-release, else the highest pseudo-version.
func PickLatest(versions []string) string {
	best := ""
	for _, v := range versions {
		if latestRank(v) > latestRank(best) || latestRank(v) == latestRank(best) && semver.Compare(v, best) > 0 {
			best = v
		}
	}
	return best
}
