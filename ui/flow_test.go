package ui

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/fixture"
	"github.com/modcache/modcache/proxy"
)

// peekMsg asks the harness's filter to capture the screen. The filter runs
// on the program's own goroutine, so reading the model there is safe.
type peekMsg struct{}

// flow drives the real program through teatest and reads what it draws.
type flow struct {
	t    *testing.T
	tm   *teatest.TestModel
	mu   sync.Mutex
	last string
	seen chan struct{}
}

func startFlow(t *testing.T, opts Options, w, h int) *flow {
	t.Helper()
	f := &flow{t: t, seen: make(chan struct{}, 1)}
	filter := func(m tea.Model, msg tea.Msg) tea.Msg {
		if _, ok := msg.(peekMsg); ok {
			f.mu.Lock()
			f.last = ansi.Strip(m.(*Model).render())
			f.mu.Unlock()
			select {
			case f.seen <- struct{}{}:
			default:
			}
		}
		return msg
	}
	f.tm = teatest.NewTestModel(t, New(opts),
		teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithFilter(filter)))
	t.Cleanup(func() { f.tm.Quit() })
	return f
}

// screen returns the current screen as plain text.
func (f *flow) screen() string {
	f.tm.Send(peekMsg{})
	select {
	case <-f.seen:
	case <-time.After(5 * time.Second):
		f.t.Fatal("program did not answer")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// waitFor polls the screen until every want is on it.
func (f *flow) waitFor(want ...string) string {
	f.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := f.screen()
		missing := ""
		for _, w := range want {
			if !strings.Contains(s, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return s
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("screen never showed %q:\n%s", missing, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (f *flow) keys(ks ...string) {
	for _, k := range ks {
		f.tm.Send(keyPress(k))
	}
}

// lineWith returns the first screen line holding s.
func lineWith(screen, s string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// leftLine returns the first line of the left pane holding s.
func leftLine(screen, s string) string {
	for _, l := range strings.Split(screen, "\n") {
		left, _, _ := strings.Cut(l, "│")
		if strings.Contains(left, s) {
			return left
		}
	}
	return ""
}

// realSetup is a cache the go command filled from a file:// fixture proxy,
// browsed through that same proxy with the real client.
func realSetup(t *testing.T, extra ...string) (Options, *fixture.Cache) {
	t.Helper()
	fc := fixture.NewCache(t)
	goproxy := fc.Proxy.URL()
	for _, e := range extra {
		goproxy += "," + e
	}
	client, err := proxy.New(proxy.Config{GOPROXY: goproxy, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	store := NewStore(fc.Root, cache.ScanOptions{IndexDir: t.TempDir()})
	return Options{Store: store, Sources: client.Sources()}, fc
}

func TestFlowBrowseRealCache(t *testing.T) {
	opts, _ := realSetup(t)
	f := startFlow(t, opts, 100, 30)
	s := f.waitFor("5 modules", "example.com/alpha", "example.com/gamma/v2")

	// Sorted by size: gamma/v2 (two 60 kB trees... one version) vs alpha
	// (three versions) — alpha is biggest.
	if first := lineWith(s, "SIZE"); first == "" {
		t.Fatalf("no column header:\n%s", s)
	}
	// The right pane shows the selected module on the fixture proxy.
	s = f.waitFor("REMOTE 1/1", "latest v1.2.0")
	if !strings.Contains(lineWith(s, "v1.2.0 both"), "both") {
		t.Errorf("alpha v1.2.0 should be on both sides:\n%s", s)
	}

	// Sort by name, move down, expand, mark a version.
	f.keys("s", "s")
	f.waitFor("by name")
	f.keys("g", "down") // Azure/Storage is first by name; alpha second
	f.keys("enter")
	s = f.waitFor("v1.0.0", "v1.1.0", "v1.2.0")
	f.keys("down", "space")
	s = f.waitFor("1 marked")
	if !strings.Contains(leftLine(s, "v1.2.0"), "●") {
		t.Errorf("mark not shown on v1.2.0:\n%s", s)
	}
	// Marking a whole module marks all its versions.
	f.keys("up", "up", "space")
	f.waitFor("3 marked")
	f.keys("u")
	f.waitFor("nothing marked")

	// Filter as you type; esc clears.
	f.keys("/", "g", "a", "m")
	s = f.waitFor("1 of 5 modules", "example.com/gamma/v2")
	if strings.Contains(s, "example.com/alpha") && !strings.Contains(s, "REMOTE") {
		t.Errorf("filter left alpha in the list:\n%s", s)
	}
	f.keys("esc")
	f.waitFor("5 modules")

	// The graph-only version is listed as such.
	f.keys("/", "b", "e", "t", "a", "enter", "enter")
	s = f.waitFor("v1.0.0")
	if !strings.Contains(leftLine(s, "v1.0.0"), "mod") {
		t.Errorf("beta v1.0.0 should be mod-only:\n%s", s)
	}
}

func TestFlowDeprecatedAndRetracted(t *testing.T) {
	opts, _ := realSetup(t)
	f := startFlow(t, opts, 100, 30)
	f.waitFor("5 modules")
	f.keys("/", "o", "l", "d", "enter")
	s := f.waitFor("deprecated: use example.com/alpha", "v1.0.0")
	if !strings.Contains(lineWith(s, "v1.0.0 remote"), "retracted") {
		t.Errorf("v1.0.0 should be marked retracted:\n%s", s)
	}
}

func TestFlowSwitchRemoteAndErrors(t *testing.T) {
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "backend on fire", http.StatusInternalServerError)
	}))
	defer broken.Close()
	// Separated by '|' so each is a remote of its own in the pane.
	opts, _ := realSetup(t, broken.URL, "direct")
	f := startFlow(t, opts, 100, 30)
	f.waitFor("REMOTE 1/3", "latest v1.2.0")

	f.keys("R")
	s := f.waitFor("REMOTE 2/3", "500 Internal Server")
	if !strings.Contains(s, "backend on fire") {
		t.Errorf("the server's answer should be in the one-line reason:\n%s", s)
	}
	f.keys("R")
	f.waitFor("REMOTE 3/3", "direct", "nothing to browse")
	f.keys("R")
	f.waitFor("REMOTE 1/3")
}

func TestFlowSlowRemoteNeverFreezes(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
		http.NotFound(w, r)
	}))
	defer slow.Close()
	defer close(release)
	fc := fixture.NewCache(t)
	client, err := proxy.New(proxy.Config{GOPROXY: slow.URL, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	store := NewStore(fc.Root, cache.ScanOptions{IndexDir: t.TempDir()})
	f := startFlow(t, Options{Store: store, Sources: client.Sources()}, 100, 30)
	f.waitFor("asking")
	// While the remote hangs, the list still moves and filters.
	f.keys("/", "g", "a", "m", "enter")
	f.waitFor("1 of 5 modules")
	f.keys("esc", "G")
	f.waitFor("5 modules")
}

func TestFlowQuit(t *testing.T) {
	opts, _ := realSetup(t)
	f := startFlow(t, opts, 80, 24)
	f.waitFor("5 modules")
	f.keys("q")
	f.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

func TestFlowResize(t *testing.T) {
	opts, _ := realSetup(t)
	f := startFlow(t, opts, 80, 24)
	s := f.waitFor("5 modules")
	if strings.Contains(s, "VERS") {
		t.Fatalf("80 columns should leave out the version count:\n%s", s)
	}
	f.tm.Send(tea.WindowSizeMsg{Width: 130, Height: 40})
	s = f.waitFor("VERS")
	lines := strings.Split(s, "\n")
	if len(lines) != 40 || width(lines[0]) != 130 {
		t.Errorf("after resize the screen is %d lines of %d cells, want 40×130", len(lines), width(lines[0]))
	}
	// Narrower than two panes: only the focused pane shows; tab switches.
	f.tm.Send(tea.WindowSizeMsg{Width: 60, Height: 20})
	s = f.waitFor("LOCAL")
	if strings.Contains(s, "REMOTE") {
		t.Errorf("at 60 columns only one pane should show:\n%s", s)
	}
	f.keys("tab")
	f.waitFor("REMOTE")
}

// ctrl+c quits from wherever the user is: typing a filter, reading a
// preview, or while a read-only check runs.
func TestCtrlCQuitsAnywhere(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys []string
		see  string
	}{
		{"filter", []string{"/", "g", "a"}, "/ ga"},
		{"prune preview", []string{"P"}, "esc cancel"},
		{"help", []string{"?"}, "any key closes this"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts, _ := realSetup(t)
			f := startFlow(t, opts, 100, 30)
			f.waitFor("5 modules")
			f.keys(tc.keys...)
			f.waitFor(tc.see)
			f.keys("ctrl+c")
			f.tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
		})
	}
}
