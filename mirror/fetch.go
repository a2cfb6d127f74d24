package mirror

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/gocmd"
)

// Fetching is the other direction of a sync: before going offline, fill
// the local cache with versions a remote has. The real go command does the
// download, with the user's GOPROXY and the tool's module cache, so every
// module is verified against go.sum and the checksum database exactly as a
// build would verify it.

// FetchProgress is a snapshot of a running fetch.
type FetchProgress struct {
	Requests int    // files go has fetched so far
	Current  string // the last URL go asked for
	Done     bool
}

// Fetched is one module version the fetch asked go for.
type Fetched struct {
	Path    string `json:"path"`
	Version string `json:"version,omitempty"`
	Query   string `json:"query,omitempty"` // what was asked, when it was not a version
	Dep     bool   `json:"dependency,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Fetcher runs one fetch. Run it once; poll Progress from another
// goroutine.
type Fetcher struct {
	root     string
	env      []string
	queries  []string
	withDeps bool

	gets gocmd.GetCounter
	done atomic.Bool
}

// Fetch downloads the queries (PATH@VERSION, PATH@latest, or any query go
// accepts) into the module cache at root; with withDeps, also everything a
// build that requires them needs.
func Fetch(ctx context.Context, root string, env, queries []string, withDeps bool) ([]Fetched, error) {
	return NewFetcher(root, env, queries, withDeps).Run(ctx)
}

// NewFetcher prepares Fetch for progress polling.
func NewFetcher(root string, env, queries []string, withDeps bool) *Fetcher {
	return &Fetcher{root: root, env: env, queries: queries, withDeps: withDeps}
}

// Progress returns what go has fetched so far.
func (f *Fetcher) Progress() FetchProgress {
	p := FetchProgress{Done: f.done.Load()}
	p.Requests, p.Current = f.gets.Get()
	return p
}

// CheckQueries checks PATH@VERSION, PATH@latest or PATH arguments (PATH
// alone means @latest) and returns them as go takes them.
func CheckQueries(queries []string) ([]string, error) {
	var args []string
	for _, q := range queries {
		path, query, ok := strings.Cut(q, "@")
		if !ok {
			query = "latest"
		}
		if err := module.CheckPath(path); err != nil || query == "" {
			return nil, fmt.Errorf("invalid module query %q: want PATH@VERSION or PATH@latest", q)
		}
		args = append(args, path+"@"+query)
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("nothing to fetch")
	}
	return args, nil
}

// Run fetches. The error is for the fetch as a whole (go missing, bad
// query); a module go could not get is reported in its Fetched.Error.
func (f *Fetcher) Run(ctx context.Context) ([]Fetched, error) {
	defer f.done.Store(true)
	args, err := CheckQueries(f.queries)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "modcache-fetch-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	// Outside any module and workspace, so only the queries count.
	env := withEnv(goEnv(f.env, f.root, false), "GOWORK=off", "GOFLAGS=-mod=mod")

	results, err := f.download(ctx, dir, env, args...)
	if err != nil {
		return nil, err
	}
	if !f.withDeps {
		return results, nil
	}

	// The closure: a throwaway main module that requires what was fetched,
	// then go mod download all and go mod graph, as for a project.
	best := map[string]string{}
	for _, r := range results {
		if r.Error == "" && semver.Compare(r.Version, best[r.Path]) > 0 {
			best[r.Path] = r.Version
		}
	}
	if len(best) == 0 {
		return results, nil
	}
	goVersion, err := runningGoVersion(ctx, dir, env)
	if err != nil {
		return nil, err
	}
	gomod := "module modcache.invalid/fetch\n\ngo " + goVersion + "\n\nrequire (\n"
	for p, v := range best {
		gomod += "\t" + p + " " + v + "\n"
	}
	gomod += ")\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o666); err != nil {
		return nil, err
	}
	deps, err := f.download(ctx, dir, env, "all")
	if err != nil {
		return nil, err
	}
	seen := map[module.Version]bool{}
	for _, r := range results {
		seen[module.Version{Path: r.Path, Version: r.Version}] = true
	}
	for _, d := range deps {
		if m := (module.Version{Path: d.Path, Version: d.Version}); !seen[m] {
			seen[m] = true
			d.Dep = true
			results = append(results, d)
		}
	}
	// go mod graph reads, and so downloads, the go.mod of every version in
	// the module graph.
	if _, err := gocmd.Run(ctx, dir, env, f.gets.Writer(), append([]string{"mod", "graph"}, f.gets.Flags()...)...); err != nil {
		return results, err
	}
	return results, nil
}

// holds reports whether the cache has the version's zip.
func (f *Fetcher) holds(path, version string) bool {
	p, err := cache.PathsFor(f.root, path, version)
	if err != nil {
		return false
	}
	_, err = os.Lstat(p.Zip)
	return err == nil
}

// download runs go mod download -json and reads its answers.
func (f *Fetcher) download(ctx context.Context, dir string, env []string, args ...string) ([]Fetched, error) {
	mods, err := gocmd.ModDownload(ctx, dir, env, &f.gets, args...)
	if err != nil {
		return nil, err
	}
	var results []Fetched
	for _, m := range mods {
		why := m.Reason()
		if strings.Contains(why, "GOPROXY=off") && f.holds(m.Path, m.Version) {
			// go says "module lookup disabled" when all it wants is the
			// version's checksum database record, which it lacks.
			why += " (the cache holds it already: go wants to check it against the checksum database first, which needs the network once; GONOSUMDB=" + m.Path + " skips that check)"
		}
		results = append(results, Fetched{Path: m.Path, Version: m.Version, Query: m.Query, Error: why})
	}
	return results, nil
}

// runningGoVersion is the go line for a throwaway module: the running
// toolchain's version, so no dependency is newer than the main module.
func runningGoVersion(ctx context.Context, dir string, env []string) (string, error) {
	out, err := gocmd.Run(ctx, dir, env, nil, "env", "GOVERSION")
	if err != nil {
		return "", err
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "go")
	if i := strings.IndexAny(v, " -+"); i >= 0 {
		v = v[:i]
	}
	return v, nil
}
