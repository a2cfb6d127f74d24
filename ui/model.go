// Package ui is modcache's terminal UI: the local cache on the left, what
// a remote holds on the right, and dialogs for the actions. It is a thin
// front end over the cache, proxy and mirror packages; the same plans the
// CLI prints are what its dialogs preview and run.
package ui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/proxy"
)

// Options configure a program.
type Options struct {
	Store   *Store
	Sources []proxy.Source
	// RemoteTimeout is how long each source may take to answer about a
	// module, or to list its catalog; zero means proxy.DefaultTimeout.
	RemoteTimeout time.Duration
	// Breaker remembers remotes that just failed. Give Actions.Lookup the
	// same one, so a remote the right pane found dead is not waited for
	// again when a prune is planned; nil means one of the pane's own.
	Breaker *proxy.Breaker
	// ReadOnly removes every action that deletes, uploads or downloads,
	// from the keymap and from the handlers.
	ReadOnly bool
	// Actions run the write and verify operations; nil fields disable them.
	Actions Actions
	// Now is the clock for ages; tests fix it.
	Now func() time.Time
	// NoRescan skips the scan on start: tests and screenshots provide the
	// store's content themselves, and SSH sessions share the server's.
	NoRescan bool
	// OnAction, when set, is told about every write action a user starts
	// ("prune: 12 versions, 1.2GiB"), for session logs.
	OnAction func(desc string)
	// Environ is the terminal's environment (the process's, or what an
	// SSH client sent). Its COLORFGBG is a first guess at the background,
	// for terminals that never answer the query for it.
	Environ []string
}

// Model is the root of the program.
type Model struct {
	opts      Options
	store     *Store
	rootLabel string // the root as the header shows it
	state     StoreState
	st        *Styles
	keys      *KeyMap

	dark    bool
	profile colorprofile.Profile
	width   int
	height  int

	local    *localPane
	remote   *remotePane
	lk       *lookups
	focus    int // 0 local, 1 remote
	help     help.Model
	showHelp bool
	spin     spinner.Model

	dialog dialog

	flash      string
	flashUntil time.Time
	lookupFor  string // module path lookups were last started for

	// scene is set while RenderScene plays keys: no timers, and commands
	// run synchronously.
	scene bool
	// spinning is set while the spinner's tick loop runs. It runs only
	// while something is in progress, so an idle screen sends nothing.
	spinning bool
}

// tickMsg drives polling of the store and of running actions.
type tickMsg struct{}

const (
	busyTick = 100 * time.Millisecond // while something runs
	idleTick = time.Second            // to pick up changes other sessions made
)

// New builds a program model.
func New(opts Options) *Model {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	keys := DefaultKeyMap()
	keys.SetReadOnly(opts.ReadOnly)
	m := &Model{
		opts:      opts,
		store:     opts.Store,
		rootLabel: tildePath(opts.Store.Root()),
		keys:      keys,
		dark:      true,
		profile:   colorprofile.TrueColor,
		lk:        newLookups(opts.Sources, opts.RemoteTimeout, opts.Breaker),
		help:      help.New(),
		spin:      spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		width:     80,
		height:    24,
	}
	if dark, ok := darkFromEnv(opts.Environ); ok {
		m.dark = dark
	}
	m.local = newLocalPane()
	m.remote = newRemotePane(m.lk)
	m.applyStyles()
	m.layout()
	m.refresh()
	return m
}

// Close cancels the work still running once the program has ended (an
// SSH session hung up, say): remote lookups, and a dialog's planning or
// verifying, which nobody is left to read. A write the user confirmed is
// not cancelled: it runs to its end, as it would have with the session
// open, and leaves the cache sound either way.
func (m *Model) Close() {
	m.lk.stop()
	if m.dialog != nil && !m.dialog.writing() {
		m.dialog.stop()
	}
}

// Init asks the terminal for its background (over SSH the server's own
// terminal is the wrong one to ask) and starts the scan.
func (m *Model) Init() tea.Cmd {
	if !m.opts.NoRescan {
		m.store.Rescan()
		m.refresh()
	}
	return tea.Batch(tea.RequestBackgroundColor, m.tick(), m.selectionChanged(), m.kickSpin())
}

func (m *Model) tick() tea.Cmd {
	if m.scene {
		return nil
	}
	d := idleTick
	if m.busy() {
		d = busyTick
	}
	return tea.Tick(d, func(time.Time) tea.Msg { return tickMsg{} })
}

// busy reports whether anything is running that the screen should follow.
func (m *Model) busy() bool {
	return m.state.Scanning || m.state.Writer != "" || (m.dialog != nil && m.dialog.busy())
}

// refresh pulls the store's state into the panes when it changed.
func (m *Model) refresh() {
	st := m.store.State()
	changed := st.Gen != m.state.Gen // bumped whenever the cache is replaced
	m.state = st
	if changed && st.Cache != nil {
		m.local.setCache(st.Cache)
	}
}

func (m *Model) applyStyles() {
	m.st = NewStyles(m.dark, m.profile)
	m.local.st, m.remote.st = m.st, m.st
	m.local.filter.SetStyles(m.st.Input())
	m.help.Styles = m.st.Help
	m.spin.Style = m.st.AccentText
	if m.dialog != nil {
		m.dialog.setStyles(m.st)
	}
}

// layout divides the screen: header (2), panes, status (1), help (1).
func (m *Model) layout() {
	h := max(3, m.height-4)
	if m.width < 64 {
		// Too narrow for two panes: show the focused one.
		m.local.setSize(m.width, h)
		m.remote.width, m.remote.height = m.width, h
	} else {
		lw := m.width * 58 / 100
		m.local.setSize(lw, h)
		m.remote.width, m.remote.height = m.width-lw-1, h
	}
	m.help.SetWidth(m.width)
	if m.dialog != nil {
		m.dialog.setSize(m.width, m.height)
	}
}

func (m *Model) setFlash(s string) {
	m.flash, m.flashUntil = s, time.Now().Add(4*time.Second)
}

// selectedModule is the module under the local cursor.
func (m *Model) selectedModule() (*cache.Module, *cache.Version) {
	r, ok := m.local.selected()
	if !ok {
		return nil, nil
	}
	return r.mod, r.ver
}

// selectionChanged cancels lookups for modules the cursor left and
// schedules one for the new module after a short rest.
func (m *Model) selectionChanged() tea.Cmd {
	mod, _ := m.selectedModule()
	if mod == nil || mod.Path == m.lookupFor || m.scene {
		return nil
	}
	m.lookupFor = mod.Path
	m.remote.cursor, m.remote.offset = 0, 0
	m.lk.focus(mod.Path)
	path := mod.Path
	return tea.Tick(lookupDebounce, func(time.Time) tea.Msg { return lookupDueMsg{path} })
}

// Update routes messages: size to everyone, keys to the dialog if one is
// open, else to the focused pane.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	return m, tea.Batch(cmd, m.kickSpin())
}

// working reports whether anything the spinner stands for is running.
func (m *Model) working() bool {
	return m.busy() || len(m.lk.pending) > 0 || len(m.lk.catBusy) > 0
}

// kickSpin starts the spinner's tick loop when work begins.
func (m *Model) kickSpin() tea.Cmd {
	if m.spinning || m.scene || !m.working() {
		return nil
	}
	m.spinning = true
	return m.spin.Tick
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return nil
	case tea.BackgroundColorMsg:
		m.dark = msg.IsDark()
		m.applyStyles()
		return nil
	case tea.ColorProfileMsg:
		m.profile = msg.Profile
		m.applyStyles()
		return nil
	case tickMsg:
		m.refresh()
		return tea.Batch(m.tick(), m.selectionChanged())
	case spinner.TickMsg:
		if !m.working() {
			m.spinning = false // the loop ends here until kickSpin
			return nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return cmd
	case lookupDueMsg:
		if mod, _ := m.selectedModule(); mod != nil && mod.Path == msg.path {
			return m.lk.start(msg.path, mod.VersionList())
		}
		return nil
	case lookupDoneMsg:
		m.lk.finish(msg)
		return nil
	case catalogDoneMsg:
		m.lk.finishCatalog(msg)
		return nil
	case reply:
		if m.dialog == nil || msg.to != m.dialog {
			if d, ok := msg.msg.(discarder); ok {
				d.discard()
			}
			return nil
		}
		return m.dialog.update(m, msg.msg)
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	}
	if m.dialog != nil {
		return m.dialog.update(m, msg)
	}
	return nil
}

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	// ctrl+c quits from anywhere, except that it first stops a write the
	// user confirmed, so that it ends between two safe steps rather than
	// with the process. Until the write has stopped (a stopped repair
	// still installs what it evicted), more presses only ask it to stop;
	// after, ctrl+c quits.
	if msg.String() == "ctrl+c" && (m.dialog == nil || !m.dialog.writing()) {
		m.closeDialog()
		return tea.Quit
	}
	if m.dialog != nil {
		return m.dialog.update(m, msg)
	}
	if m.local.filtering {
		cmd := m.local.updateFilter(msg)
		return tea.Batch(cmd, m.selectionChanged())
	}
	if m.showHelp {
		m.showHelp = false
		return nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		// The store outlives the program: over SSH other sessions share it.
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp = true
		return nil
	case key.Matches(msg, k.SwitchPane):
		m.focus = 1 - m.focus
		return nil
	case key.Matches(msg, k.Rescan):
		m.store.Rescan()
		m.refresh()
		return nil
	case key.Matches(msg, k.Sort):
		m.local.sortBy = (m.local.sortBy + 1) % (cache.ByName + 1)
		r, _ := m.local.selected()
		m.local.rebuild()
		if r.mod != nil {
			m.local.selectPath(r.mod.Path, "")
		}
		return nil
	case key.Matches(msg, k.Filter):
		m.focus = 0
		return m.local.startFilter()
	case key.Matches(msg, k.NextRemote):
		if n := len(m.lk.sources); n > 0 {
			m.remote.current = (m.remote.current + 1) % n
			m.remote.cursor, m.remote.offset = 0, 0
			if m.remote.catalog {
				return m.lk.startCatalog(m.remote.current)
			}
		}
		return nil
	case key.Matches(msg, k.Catalog):
		m.remote.catalog = !m.remote.catalog
		m.remote.cursor, m.remote.offset = 0, 0
		if m.remote.catalog && len(m.lk.sources) > 0 {
			return m.lk.startCatalog(m.remote.current)
		}
		return nil
	case key.Matches(msg, k.Back):
		if m.local.filter.Value() != "" {
			m.local.clearFilter()
			return m.selectionChanged()
		}
		return nil
	}
	if cmd, ok := m.actionKey(msg); ok {
		return cmd
	}
	if m.focus == 1 {
		return m.remoteKey(msg)
	}
	return m.localKey(msg)
}

func (m *Model) localKey(msg tea.KeyPressMsg) tea.Cmd {
	k, p := m.keys, m.local
	switch {
	case key.Matches(msg, k.Up):
		p.move(-1)
	case key.Matches(msg, k.Down):
		p.move(1)
	case key.Matches(msg, k.PageUp):
		p.move(-p.listHeight())
	case key.Matches(msg, k.PageDown):
		p.move(p.listHeight())
	case key.Matches(msg, k.Top):
		p.move(-len(p.rows))
	case key.Matches(msg, k.Bottom):
		p.move(len(p.rows))
	case key.Matches(msg, k.Expand):
		p.setExpanded(true)
	case key.Matches(msg, k.Collapse):
		p.setExpanded(false)
	case key.Matches(msg, k.Mark):
		p.toggleMark()
		p.move(1)
	case key.Matches(msg, k.Unmark):
		clear(p.marks)
		clear(m.remote.marks)
	default:
		return nil
	}
	return m.selectionChanged()
}

func (m *Model) remoteKey(msg tea.KeyPressMsg) tea.Cmd {
	k, p := m.keys, m.remote
	mod, _ := m.selectedModule()
	n := p.rowCount(mod)
	switch {
	case key.Matches(msg, k.Up):
		p.cursor = max(0, p.cursor-1)
	case key.Matches(msg, k.Down):
		p.cursor = min(max(0, n-1), p.cursor+1)
	case key.Matches(msg, k.PageUp):
		p.cursor = max(0, p.cursor-p.height)
	case key.Matches(msg, k.PageDown):
		p.cursor = min(max(0, n-1), p.cursor+p.height)
	case key.Matches(msg, k.Top):
		p.cursor = 0
	case key.Matches(msg, k.Bottom):
		p.cursor = max(0, n-1)
	case key.Matches(msg, k.Unmark):
		clear(p.marks)
		clear(m.local.marks)
	case key.Matches(msg, k.Mark):
		if r, ok := p.selectedRow(mod); ok {
			if r.Local {
				m.setFlash(m.st.Dim.Render("already in the local cache; mark it on the left to prune or push it"))
				return nil
			}
			mv := moduleVersion(mod.Path, r.Version)
			if p.marks[mv] {
				delete(p.marks, mv)
			} else {
				p.marks[mv] = true
			}
			p.cursor = min(max(0, n-1), p.cursor+1)
		}
	case key.Matches(msg, k.Expand) && p.catalog:
		// Jump to the module on the left, if the cache has it.
		if cat := m.lk.catalog[p.current]; cat != nil && p.cursor < len(cat.paths) {
			path := cat.paths[p.cursor]
			m.local.filter.SetValue("")
			m.local.rebuild()
			m.local.selectPath(path, "")
			m.focus = 0
			return m.selectionChanged()
		}
	}
	return nil
}

// View renders the whole screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "modcache"
	return v
}

func (m *Model) render() string {
	header := m.headerView()
	var body string
	if m.showHelp {
		body = fitBlock(m.fullHelpView(), m.width, m.local.height)
	} else {
		body = m.panesView()
	}
	footer := m.statusView() + "\n" + fit(m.help.View(m.keys), m.width)
	screen := header + "\n" + body + "\n" + footer
	if m.dialog != nil {
		screen = overlay(screen, m.dialog.view(), m.width, m.height)
	}
	return screen
}

func (m *Model) panesView() string {
	mod, ver := m.selectedModule()
	sel := ""
	if ver != nil {
		sel = ver.Version
	}
	now := m.opts.Now()
	if m.width < 64 {
		if m.focus == 1 {
			return m.remote.View(true, mod, sel, m.state.Cache, m.spin.View())
		}
		return m.local.View(true, now)
	}
	left := m.local.View(m.focus == 0, now)
	right := m.remote.View(m.focus == 1, mod, sel, m.state.Cache, m.spin.View())
	return joinColumns(left, right, m.st.Rule.Render("│"))
}

// fullHelpView lays the key groups out two by two, so that all of them fit
// at 80 columns.
func (m *Model) fullHelpView() string {
	groups := m.keys.FullHelp()
	var blocks []string
	for i := 0; i < len(groups); i += 2 {
		blocks = append(blocks, m.help.FullHelpView(groups[i:min(i+2, len(groups))]))
	}
	return m.st.Title.Render("Keys") + "\n\n" + strings.Join(blocks, "\n\n") + "\n\n" + m.st.Dim.Render("any key closes this")
}
