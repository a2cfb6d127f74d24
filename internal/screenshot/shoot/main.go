// Command shoot renders the real modcache UI to the PNGs in screenshots/.
//
//	go run ./internal/screenshot/shoot [-out screenshots]
//
// It publishes a set of demo modules to a file:// GOPROXY, lets the real go
// command fill a fresh GOMODCACHE from it (so the cache has exactly the
// layout go writes), ages the files so "last used" varies, and then plays
// scenes through the program, drawing each frame with internal/screenshot.
// Nothing touches the network or the user's own cache.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/fixture"
	"github.com/modcache/modcache/internal/screenshot"
	"github.com/modcache/modcache/mirror"
	"github.com/modcache/modcache/proxy"
	"github.com/modcache/modcache/ui"
)

func main() {
	out := flag.String("out", "screenshots", "directory for the PNGs")
	flag.Parse()
	tb := fixture.NewProgramTB()
	defer tb.Close()
	if err := run(tb, *out); err != nil {
		tb.Close()
		log.Fatal(err)
	}
}

func run(tb *fixture.ProgramTB, out string) error {
	opts, err := demo(tb)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o777); err != nil {
		return err
	}
	for _, s := range scenes {
		frame := ui.RenderScene(opts, s.scene)
		theme := screenshot.DarkTheme()
		if !s.scene.Dark {
			theme = screenshot.LightTheme()
		}
		theme.Title = "modcache — " + s.title
		img := screenshot.Render(frame, s.scene.Width, s.scene.Height, theme)
		path := filepath.Join(out, s.name+".png")
		if err := screenshot.WritePNG(path, img); err != nil {
			return err
		}
		fmt.Println("wrote", path)
	}
	return nil
}

type shot struct {
	name, title string
	scene       ui.Scene
}

var scenes = []shot{
	{"overview-dark", "local cache beside proxy", ui.Scene{Width: 110, Height: 30, Dark: true,
		Keys: []string{"down", "down", "down", "down"}}},
	{"overview-light", "light background", ui.Scene{Width: 110, Height: 30, Dark: false,
		Keys: []string{"down", "down", "down", "down"}}},
	{"versions-80x24", "versions and marks at 80×24", ui.Scene{Width: 80, Height: 24, Dark: true,
		Keys: []string{"/", "a", "c", "m", "e", "enter", "enter", "down", "space", "down", "space", "esc"}}},
	{"deprecated-80x24", "deprecation and retractions", ui.Scene{Width: 80, Height: 24, Dark: true,
		Keys: []string{"/", "l", "o", "g", "r", "enter", "enter"}}},
	{"catalog-80x24", "whole remote: what is missing locally", ui.Scene{Width: 80, Height: 24, Dark: true,
		Keys: []string{"R", "R", "c", "tab", "down"}}},
	{"help-80x24", "keys", ui.Scene{Width: 80, Height: 24, Dark: true, Keys: []string{"?"}}},
	{"push-80x24", "push marked versions and their dependencies", ui.Scene{Width: 80, Height: 24, Dark: true,
		Keys: []string{"/", "a", "c", "m", "e", "enter", "space", "esc", "p", "enter"}}},
	{"prune-80x24", "one-key prune: the preview", ui.Scene{Width: 80, Height: 24, Dark: true, Keys: []string{"P"}}},
	{"evict-80x24", "evicting marked versions, full", ui.Scene{Width: 80, Height: 24, Dark: true,
		Keys: []string{"/", "a", "c", "m", "e", "enter", "enter", "down", "down", "space", "space", "esc", "d", "tab"}}},
}

// demo builds the cache and remotes the scenes show.
func demo(tb *fixture.ProgramTB) (ui.Options, error) {
	p := fixture.NewProxy(tb, demoModules()...)
	fc := fixture.FillCache(tb, p, demoRequires, "github.com/acme/api@v1.4.0", "github.com/acme/api@v1.5.0",
		"github.com/sirupsen/logrus@v1.8.0")
	// Newer releases appear upstream after the cache was filled.
	p.Add(tb, fixture.Mod{Path: "github.com/acme/api", Version: "v1.7.0"},
		fixture.Mod{Path: "github.com/acme/api", Version: "v1.3.0"},
		fixture.Mod{Path: "golang.org/x/sys", Version: "v0.39.0"},
		fixture.Mod{Path: "go.uber.org/zap", Version: "v1.28.0"})
	age(tb, fc)
	// A partly evicted version and an interrupted extraction, as real
	// caches have.
	if f, err := cache.PathsFor(fc.Root, "github.com/sirupsen/logrus", "v1.8.0"); err == nil {
		os.Remove(f.Zip)
	}

	team := fixture.NewProxy(tb, append(demoModules()[:6],
		fixture.Mod{Path: "github.com/acme/billing", Version: "v0.3.0"},
		fixture.Mod{Path: "github.com/acme/auth", Version: "v0.9.1"})...)
	// The screens show ~/modcache and ~/goproxy rather than temporary
	// paths that differ on every run (the go commands keep their HOME).
	home := filepath.Dir(fc.Root)
	if err := os.Rename(team.Dir, filepath.Join(home, "goproxy")); err != nil {
		return ui.Options{}, err
	}
	team.Dir = filepath.Join(home, "goproxy")
	os.Setenv("HOME", home)
	// Served over HTTP on loopback, as a real GOPROXY would be.
	client, err := proxy.New(proxy.Config{GOPROXY: serve(tb, p.Dir) + ",direct"})
	if err != nil {
		return ui.Options{}, err
	}
	sources := client.Sources()
	teamSrc, err := client.NamedSource("team", team.URL())
	if err != nil {
		return ui.Options{}, err
	}
	sources = append(sources, teamSrc)
	c, err := cache.Scan(context.Background(), fc.Root, cache.ScanOptions{NoIndex: true})
	if err != nil {
		return ui.Options{}, err
	}
	// A fixed disk, so the header's free space does not change the
	// screenshots from one machine (or day) to the next.
	c.Disk = cache.DiskSpace{Total: 256 << 30, Free: 61 << 30}
	store := ui.NewStore(c.Root, cache.ScanOptions{NoIndex: true})
	store.Set(c)
	actions := ui.Actions{
		PrunePolicy: func(context.Context, string) (cache.Policy, []string, error) {
			return cache.Policy{TTL: 30 * 24 * time.Hour, KeepLatest: 1}, nil, nil
		},
		Lookup:  mirror.RemoteLookup(sources, client.Private, 0, nil),
		Mirrors: []ui.Mirror{{Name: "team", URL: "file:///srv/goproxy"}},
		OpenTarget: func(ctx context.Context, to string) (mirror.Target, error) {
			return mirror.Open(ctx, team.Dir, mirror.Options{})
		},
		GoEnv:   fc.Env,
		MemoDir: cache.ZipHashesOff,
	}
	return ui.Options{Store: store, Sources: sources, Actions: actions, Now: time.Now}, nil
}

var demoRequires = []string{
	"github.com/acme/api v1.6.0",
	"github.com/charmbracelet/lipgloss v1.1.0",
	"github.com/spf13/cobra v1.9.1",
	"golang.org/x/sys v0.38.0",
	"golang.org/x/text v0.31.0",
	"go.uber.org/zap v1.27.0",
	"github.com/sirupsen/logrus v1.9.3",
	"github.com/BurntSushi/toml v1.5.0",
	"github.com/aws/aws-sdk-go-v2/service/s3 v1.88.0",
	"github.com/mattn/go-sqlite3 v1.14.32",
}

func demoModules() []fixture.Mod {
	m := func(path, version string, pad int, extra ...func(*fixture.Mod)) fixture.Mod {
		// Source-like text compresses about as well as real code does, so
		// zips come out a realistic fraction of their trees.
		mod := fixture.Mod{Path: path, Version: version, Files: map[string]string{"internal/gen/tables.go": sourceLike(path+version, pad)}}
		for _, f := range extra {
			f(&mod)
		}
		return mod
	}
	return []fixture.Mod{
		m("github.com/acme/api", "v1.4.0", 280_000),
		m("github.com/acme/api", "v1.5.0", 290_000),
		m("github.com/acme/api", "v1.6.0", 300_000),
		m("golang.org/x/sys", "v0.38.0", 6_000_000),
		m("golang.org/x/text", "v0.31.0", 4_500_000),
		m("github.com/spf13/cobra", "v1.9.1", 700_000),
		m("github.com/charmbracelet/lipgloss", "v1.1.0", 500_000),
		m("go.uber.org/zap", "v1.27.0", 850_000),
		m("github.com/sirupsen/logrus", "v1.8.0", 320_000),
		m("github.com/sirupsen/logrus", "v1.9.3", 330_000, func(m *fixture.Mod) {
			m.Deprecated = "logrus is in maintenance mode; use log/slog."
			m.Extra = "retract v1.8.0 // data race in hooks"
		}),
		m("github.com/BurntSushi/toml", "v1.5.0", 400_000),
		m("github.com/aws/aws-sdk-go-v2/service/s3", "v1.88.0", 9_000_000),
		m("github.com/mattn/go-sqlite3", "v1.14.32", 7_500_000),
	}
}

// age spreads access times so "last used" looks like a real cache's.
func age(tb *fixture.ProgramTB, fc *fixture.Cache) {
	ages := map[string]time.Duration{
		"github.com/acme/api@v1.4.0":                      200 * 24 * time.Hour,
		"github.com/acme/api@v1.5.0":                      45 * 24 * time.Hour,
		"github.com/acme/api@v1.6.0":                      3 * time.Hour,
		"golang.org/x/sys@v0.38.0":                        2 * 24 * time.Hour,
		"golang.org/x/text@v0.31.0":                       9 * 24 * time.Hour,
		"github.com/spf13/cobra@v1.9.1":                   20 * time.Hour,
		"github.com/sirupsen/logrus@v1.8.0":               400 * 24 * time.Hour,
		"github.com/sirupsen/logrus@v1.9.3":               120 * 24 * time.Hour,
		"github.com/aws/aws-sdk-go-v2/service/s3@v1.88.0": 60 * 24 * time.Hour,
		"github.com/mattn/go-sqlite3@v1.14.32":            5 * time.Hour,
		"github.com/BurntSushi/toml@v1.5.0":               30 * time.Minute,
	}
	for pv, d := range ages {
		path, version, _ := cut(pv)
		fc.Age(tb, path, version, time.Now().Add(-d))
	}
}

func cut(pv string) (string, string, bool) {
	for i := len(pv) - 1; i >= 0; i-- {
		if pv[i] == '@' {
			return pv[:i], pv[i+1:], true
		}
	}
	return pv, "", false
}

// sourceLike makes n bytes of Go-looking text, the same for the same seed.
func sourceLike(seed string, n int) string {
	var h uint64 = 1469598103934665603
	for _, c := range seed {
		h = (h ^ uint64(c)) * 1099511628211
	}
	rng := rand.New(rand.NewPCG(h, uint64(n)))
	words := []string{"func", "return", "if", "err", "nil", "for", "range", "var", "type", "struct",
		"int", "string", "byte", "case", "switch", "map", "len", "append", "ctx", "buf"}
	var b strings.Builder
	b.WriteString("package gen\n\n")
	for b.Len() < n {
		b.WriteString(words[rng.IntN(len(words))])
		if rng.IntN(6) == 0 {
			fmt.Fprintf(&b, "%x", rng.Uint32())
		}
		if rng.IntN(9) == 0 {
			b.WriteString("\n\t")
		} else {
			b.WriteByte(' ')
		}
	}
	return "/*\n" + b.String() + "\n*/\npackage gen\n"
}

// serve serves a proxy tree on loopback, on a fixed port when it is free
// so the remote's URL is the same in every set of screenshots.
func serve(tb *fixture.ProgramTB, dir string) string {
	l, err := net.Listen("tcp", "127.0.0.1:8420")
	if err != nil {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir))}
	go srv.Serve(l)
	tb.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}
