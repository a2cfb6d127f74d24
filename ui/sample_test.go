package ui

import (
	"context"
	"fmt"
	"image/color"
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/proxy"
)

// testNow is the fixed clock of golden tests.
var testNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// sampleCache is a deterministic cache for golden files: a few modules in
// every state, with sizes and times relative to testNow.
func sampleCache() *cache.Cache {
	day := 24 * time.Hour
	v := func(path, version string, st cache.State, tree, zip int64, used time.Duration) *cache.Version {
		return &cache.Version{
			Path: path, Version: version, State: st,
			TreeBytes: tree, ZipBytes: zip, MetaBytes: 12 << 10, Files: int(tree / 4096),
			Downloaded: testNow.Add(-used - day), LastUsed: testNow.Add(-used),
			Published: testNow.Add(-400 * day),
		}
	}
	var vs []*cache.Version
	vs = append(vs,
		v("golang.org/x/tools", "v0.30.0", cache.Complete, 80<<20, 14<<20, 200*day),
		v("golang.org/x/tools", "v0.38.0", cache.Complete, 96<<20, 16<<20, 2*day),
		v("github.com/aws/aws-sdk-go-v2/service/s3", "v1.80.0", cache.TreeOnly, 40<<20, 0, 90*day),
		v("example.com/alpha", "v1.0.0", cache.Complete, 2<<20, 1<<20, 30*day),
		v("example.com/alpha", "v1.1.0", cache.ModOnly, 0, 0, 5*day),
		v("example.com/alpha", "v1.2.0", cache.Complete, 3<<20, 1<<20, 3*time.Hour),
		v("example.com/broken", "v0.1.0", cache.Damaged, 1<<20, 0, 10*day),
		v("example.com/internal/secret", "v0.0.0-20260101000000-abcdefabcdef", cache.Complete, 5<<20, 2<<20, 60*day),
		v("github.com/BurntSushi/toml", "v1.4.0", cache.Complete, 1<<20, 300<<10, 12*time.Hour),
	)
	vs[6].Problem = "extracted tree without .ziphash or zip"
	c := cache.Assemble("/home/dev/go/pkg/mod", vs)
	c.ScannedAt = testNow.Add(-2 * time.Minute)
	c.Atime = cache.AtimeInfo{Available: true}
	c.Disk = cache.DiskSpace{Total: 500 << 30, Free: 31 << 30}
	c.Usage.VCS = 52 << 20
	c.Usage.Total += c.Usage.VCS
	return c
}

// fakeSource is an in-memory remote for golden tests. Flow tests use real
// file:// and HTTP remotes instead.
type fakeSource struct {
	name    string
	why     string // Unavailable
	private string // module prefix treated as GOPRIVATE
	lists   map[string][]string
	mods    map[string]string // "path@version" -> go.mod
	errs    map[string]error
	catalog []string
}

func (f *fakeSource) Name() string        { return f.name }
func (f *fakeSource) Unavailable() string { return f.why }
func (f *fakeSource) Private(path string) bool {
	return f.private != "" && len(path) >= len(f.private) && path[:len(f.private)] == f.private
}
func (f *fakeSource) Versions(ctx context.Context, path string) ([]string, error) {
	if err := f.errs[path]; err != nil {
		return nil, err
	}
	vs, ok := f.lists[path]
	if !ok {
		return nil, fmt.Errorf("%s: list %s: %w", f.name, path, proxy.ErrNotFound)
	}
	return vs, nil
}
func (f *fakeSource) Latest(ctx context.Context, path string) (*proxy.Info, error) {
	return nil, proxy.ErrNotFound
}
func (f *fakeSource) GoMod(ctx context.Context, path, version string) ([]byte, error) {
	if s, ok := f.mods[path+"@"+version]; ok {
		return []byte(s), nil
	}
	if !slices.Contains(f.lists[path], version) {
		return nil, fmt.Errorf("%s: %s@%s.mod: %w", f.name, path, version, proxy.ErrNotFound)
	}
	return []byte("module " + path + "\n"), nil
}
func (f *fakeSource) Catalog(ctx context.Context) ([]string, error) {
	if f.catalog == nil {
		return nil, proxy.ErrNoCatalog
	}
	return f.catalog, nil
}

func sampleSources() []proxy.Source {
	return []proxy.Source{
		&fakeSource{
			name:    "proxy.golang.org",
			private: "example.com/internal",
			lists: map[string][]string{
				"golang.org/x/tools":                      {"v0.30.0", "v0.37.0", "v0.38.0", "v0.39.0"},
				"github.com/aws/aws-sdk-go-v2/service/s3": {"v1.79.0", "v1.80.0", "v1.81.0"},
				"example.com/alpha":                       {"v1.0.0", "v1.1.0", "v1.3.0"},
				"github.com/BurntSushi/toml":              {"v1.3.2", "v1.4.0", "v1.5.0"},
			},
			mods: map[string]string{
				"example.com/alpha@v1.3.0": "// Deprecated: use example.com/beta instead.\nmodule example.com/alpha\n\nretract v1.0.0 // broken build\n",
			},
			errs: map[string]error{"example.com/broken": fmt.Errorf("proxy.golang.org: list example.com/broken: 500 Internal Server Error: database unavailable")},
		},
		&fakeSource{name: "direct", why: "direct: go fetches from version control here; there is nothing to browse"},
		&fakeSource{name: "team (file:///srv/goproxy)", lists: map[string][]string{"example.com/alpha": {"v1.0.0", "v1.2.0"}},
			catalog: []string{"example.com/alpha", "example.com/beta", "golang.org/x/tools"}},
	}
}

// newSampleModel is a model over sampleCache at w×h with every remote
// lookup already answered, so the view is fully deterministic.
func newSampleModel(t *testing.T, w, h int, dark bool) *Model {
	return newSampleModelProfile(t, w, h, dark, colorprofile.TrueColor)
}

func newSampleModelProfile(t *testing.T, w, h int, dark bool, profile colorprofile.Profile) *Model {
	t.Helper()
	store := NewStore("/home/dev/go/pkg/mod", cache.ScanOptions{NoIndex: true})
	store.Set(sampleCache())
	m := New(Options{Store: store, Sources: sampleSources(), Now: func() time.Time { return testNow }, NoRescan: true})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.Update(tea.ColorProfileMsg{Profile: profile})
	bg := color.Color(color.RGBA{0x1a, 0x1b, 0x26, 0xff})
	if !dark {
		bg = color.RGBA{0xfa, 0xfa, 0xfa, 0xff}
	}
	m.Update(tea.BackgroundColorMsg{Color: bg})
	settleLookups(m)
	return m
}

// settleLookups answers every lookup for every module synchronously.
func settleLookups(m *Model) {
	for _, mod := range m.state.Cache.Modules {
		m.lk.answer(mod.Path, mod.VersionList())
	}
	m.lookupFor = ""
	if mod, _ := m.selectedModule(); mod != nil {
		m.lookupFor = mod.Path
	}
}

// press sends keys to the model directly, as the program would.
func press(m *Model, keys ...string) {
	for _, k := range keys {
		m.Update(keyPress(k))
	}
}

// width of a styled string in cells.
func width(s string) int { return ansi.StringWidth(s) }

// height is the number of lines in s.
func height(s string) int { return lipgloss.Height(s) }
