package ui

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/units"
)

// orderLabel names a sort order in the pane's title.
var orderLabel = map[cache.Order]string{cache.BySize: "size", cache.ByUsed: "last used", cache.ByName: "name"}

// lrow is one line of the local list: a module, or one of its versions
// when the module is expanded.
type lrow struct {
	mod *cache.Module
	ver *cache.Version
}

// localPane lists the local cache. Rows are flattened once per change
// (data, sort, filter, expansion), so drawing and moving the cursor cost
// only the visible rows, however large the cache.
type localPane struct {
	st *Styles

	c        *cache.Cache
	sortBy   cache.Order
	expanded map[string]bool
	marks    map[module.Version]*cache.Version
	// findings are what the last verify found wrong, by version: the scan
	// cannot see a flipped byte, but the list should show it.
	findings map[module.Version]string
	damaged  int // versions shown as damaged, for the header

	filter    textinput.Model
	filtering bool // the filter input has focus

	mods   []*cache.Module // sorted and filtered
	rows   []lrow
	cursor int
	offset int
	width  int
	height int
}

func newLocalPane() *localPane {
	ti := textinput.New()
	ti.Prompt = "/ "
	ti.Placeholder = "filter modules"
	ti.CharLimit = 200
	return &localPane{expanded: map[string]bool{}, marks: map[module.Version]*cache.Version{},
		findings: map[module.Version]string{}, filter: ti}
}

func (p *localPane) setSize(w, h int) {
	p.width, p.height = w, h
	p.filter.SetWidth(max(10, w-4))
	p.clamp()
}

// setCache shows a new scan result, keeping the cursor on the same row and
// the marks on versions that still exist.
func (p *localPane) setCache(c *cache.Cache) {
	var keepMod, keepVer string
	if r, ok := p.selected(); ok {
		keepMod = r.mod.Path
		if r.ver != nil {
			keepVer = r.ver.Version
		}
	}
	p.c = c
	for mv := range p.marks {
		if v := c.Lookup(mv.Path, mv.Version); v != nil {
			p.marks[mv] = v
		} else {
			delete(p.marks, mv)
		}
	}
	p.countDamaged()
	p.rebuild()
	p.selectPath(keepMod, keepVer)
}

// countDamaged counts the versions the list shows as damaged (by the scan
// or by a verify), once per change rather than on every frame.
func (p *localPane) countDamaged() {
	p.damaged = 0
	if p.c == nil {
		return
	}
	for _, m := range p.c.Modules {
		for _, v := range m.Versions {
			if p.stateOf(v) == cache.Damaged {
				p.damaged++
			}
		}
	}
}

// rebuild sorts, filters and flattens the rows.
func (p *localPane) rebuild() {
	p.mods = p.mods[:0]
	if p.c != nil {
		q := strings.ToLower(strings.TrimSpace(p.filter.Value()))
		for _, m := range p.c.Modules {
			if q == "" || strings.Contains(strings.ToLower(m.Path), q) {
				p.mods = append(p.mods, m)
			}
		}
	}
	cache.SortModules(p.mods, p.sortBy)
	p.rows = p.rows[:0]
	for _, m := range p.mods {
		p.rows = append(p.rows, lrow{mod: m})
		if p.expanded[m.Path] {
			// Newest first, as people read version lists.
			for i := len(m.Versions) - 1; i >= 0; i-- {
				p.rows = append(p.rows, lrow{mod: m, ver: m.Versions[i]})
			}
		}
	}
	p.clamp()
}

func (p *localPane) selectPath(mod, ver string) {
	for i, r := range p.rows {
		if r.mod.Path == mod && (ver == "" && r.ver == nil || r.ver != nil && r.ver.Version == ver) {
			p.cursor = i
			p.clamp()
			return
		}
	}
	p.clamp()
}

func (p *localPane) selected() (lrow, bool) {
	if p.cursor < 0 || p.cursor >= len(p.rows) {
		return lrow{}, false
	}
	return p.rows[p.cursor], true
}

// listHeight is the number of rows the list shows.
func (p *localPane) listHeight() int {
	h := p.height - 2 // title and column header
	if p.filtering || p.filter.Value() != "" {
		h--
	}
	return max(1, h)
}

func (p *localPane) clamp() {
	if p.cursor >= len(p.rows) {
		p.cursor = len(p.rows) - 1
	}
	if p.cursor < 0 {
		p.cursor = 0
	}
	p.offset = scrollTo(p.cursor, p.offset, p.listHeight(), len(p.rows))
}

func (p *localPane) move(d int) {
	p.cursor += d
	p.clamp()
}

// expand opens the selected module; on a version it does nothing.
func (p *localPane) setExpanded(open bool) {
	r, ok := p.selected()
	if !ok {
		return
	}
	if p.expanded[r.mod.Path] == open && (open || r.ver == nil) {
		return
	}
	if open {
		p.expanded[r.mod.Path] = true
	} else {
		delete(p.expanded, r.mod.Path)
	}
	p.rebuild()
	p.selectPath(r.mod.Path, "")
}

// toggleMark marks the selected version, or every version of the selected
// module (unmarking them if all were marked).
func (p *localPane) toggleMark() {
	r, ok := p.selected()
	if !ok {
		return
	}
	vs := r.mod.Versions
	if r.ver != nil {
		vs = []*cache.Version{r.ver}
	}
	all := true
	for _, v := range vs {
		if p.marks[versionKey(v)] == nil {
			all = false
		}
	}
	for _, v := range vs {
		if all {
			delete(p.marks, versionKey(v))
		} else {
			p.marks[versionKey(v)] = v
		}
	}
}

func versionKey(v *cache.Version) module.Version {
	return module.Version{Path: v.Path, Version: v.Version}
}

// markedTotal is the number and size of the marked versions.
func (p *localPane) markedTotal() (n int, bytes int64) {
	for _, v := range p.marks {
		bytes += v.Bytes()
	}
	return len(p.marks), bytes
}

// marked returns the marked versions in module then semver order.
func (p *localPane) marked() []*cache.Version {
	out := slices.Collect(maps.Values(p.marks))
	slices.SortFunc(out, func(a, b *cache.Version) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return semver.Compare(a.Version, b.Version)
	})
	return out
}

// markedKeys is marked as module versions, for the actions that name them.
func (p *localPane) markedKeys() []module.Version {
	var out []module.Version
	for _, v := range p.marked() {
		out = append(out, versionKey(v))
	}
	return out
}

// setFindings records a verify's findings for the versions it checked,
// replacing what an earlier verify said about them.
func (p *localPane) setFindings(checked []*cache.Version, fs []cache.Finding) {
	for _, v := range checked {
		delete(p.findings, versionKey(v))
	}
	for mv, detail := range findingsFor(fs) {
		p.findings[mv] = detail
	}
	p.countDamaged()
}

// stateOf is a version's state as the list shows it: damaged when a
// verify found something wrong, whatever the scan saw.
func (p *localPane) stateOf(v *cache.Version) cache.State {
	if _, bad := p.findings[versionKey(v)]; bad {
		return cache.Damaged
	}
	return v.State
}

// updateFilter feeds a key to the filter input while it has focus.
func (p *localPane) updateFilter(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		p.filtering = false
		p.filter.Blur()
		p.clearFilter()
		return nil
	case "enter", "down", "up", "tab":
		p.filtering = false
		p.filter.Blur()
		p.clamp()
		return nil
	}
	before := p.filter.Value()
	var cmd tea.Cmd
	p.filter, cmd = p.filter.Update(msg)
	if p.filter.Value() != before {
		p.cursor, p.offset = 0, 0
		p.rebuild()
	}
	return cmd
}

// clearFilter shows every module again, keeping the cursor on the row it
// was on.
func (p *localPane) clearFilter() {
	r, ok := p.selected()
	p.filter.SetValue("")
	p.rebuild()
	if ok {
		ver := ""
		if r.ver != nil {
			ver = r.ver.Version
		}
		p.selectPath(r.mod.Path, ver)
	}
}

func (p *localPane) startFilter() tea.Cmd {
	p.filtering = true
	p.clamp()
	return p.filter.Focus()
}

// View draws the pane: title, optional filter line, column header, rows.
func (p *localPane) View(focused bool, now time.Time) string {
	st := p.st
	w := p.width
	var b strings.Builder
	titleStyle := st.PaneTitle
	if focused {
		titleStyle = st.PaneTitleFocused
	}
	count := "scanning…"
	if p.c != nil {
		count = units.Count(len(p.c.Modules), "module")
		if len(p.mods) != len(p.c.Modules) {
			count = fmt.Sprintf("%d of %s", len(p.mods), units.Count(len(p.c.Modules), "module"))
		}
	}
	b.WriteString(fit(titleStyle.Render("LOCAL")+st.Dim.Render(" · "+count+" · by "+orderLabel[p.sortBy]), w))
	b.WriteByte('\n')
	if p.filtering || p.filter.Value() != "" {
		b.WriteString(fit(p.filter.View(), w))
		b.WriteByte('\n')
	}
	cols := p.columns()
	b.WriteString(fit(st.Dim.Render(cols.header(p.atimeOK())), w))
	h := p.listHeight()
	for i := p.offset; i < p.offset+h; i++ {
		b.WriteByte('\n')
		if i >= len(p.rows) {
			if i == 0 && p.c != nil {
				b.WriteString(fit(st.Dim.Render("  nothing matches"), w))
			} else {
				b.WriteString(strings.Repeat(" ", w))
			}
			continue
		}
		line := p.renderRow(p.rows[i], cols, now)
		if i == p.cursor {
			if focused {
				line = st.cursorRow(line)
			} else {
				line = st.blurredRow(line)
			}
		}
		b.WriteString(line)
	}
	return b.String()
}

func (p *localPane) atimeOK() bool { return p.c == nil || p.c.Atime.Available }

// columns decides what fits: narrow panes drop the version count.
type localCols struct {
	width int
	vers  bool
}

func (p *localPane) columns() localCols { return localCols{width: p.width, vers: p.width >= 54} }

func (c localCols) header(atime bool) string {
	used := "USED"
	if !atime {
		used = "DOWN" // download time stands in when atime shows nothing
	}
	s := "  " + fitRight("SIZE", 8) + " "
	if c.vers {
		s += "VERS "
	}
	return s + used + "  MODULE"
}

// renderRow draws one row as plain cells plus colour, exactly p.width wide.
func (p *localPane) renderRow(r lrow, c localCols, now time.Time) string {
	st := p.st
	if r.ver != nil {
		return p.renderVersion(r.ver, now)
	}
	m := r.mod
	mark := " "
	n := 0
	for _, v := range m.Versions {
		if p.marks[versionKey(v)] != nil {
			n++
		}
	}
	switch {
	case n == len(m.Versions):
		mark = st.MarkText.Render("●")
	case n > 0:
		mark = st.MarkText.Render("○")
	}
	arrow := "▸"
	if p.expanded[m.Path] {
		arrow = "▾"
	}
	// 8 wide: the widest size ("1016KiB") keeps a space after the arrow.
	cells := mark + st.Dim.Render(arrow) + fitRight(units.Bytes(m.Bytes), 8) + " "
	if c.vers {
		cells += fitRight(fmt.Sprint(len(m.Versions)), 4) + " "
	}
	cells += fitRight(units.Age(m.Used(), now), 4) + "  "
	badge := p.worstState(m)
	if p.c.Partial {
		badge = cache.Complete // states settle only when the scan has seen every file
	}
	rest := p.width - 2 - 8 - 1 - 4 - 2
	if c.vers {
		rest -= 5
	}
	if badge != cache.Complete {
		word := " " + badge.String()
		path := fitPath(m.Path, rest-len(word))
		return cells + strings.TrimRight(path, " ") + st.State(badge).Render(word) +
			strings.Repeat(" ", max(0, rest-len(strings.TrimRight(path, " "))-len(word)))
	}
	return cells + fitPath(m.Path, rest)
}

func (p *localPane) renderVersion(v *cache.Version, now time.Time) string {
	st := p.st
	mark := " "
	if p.marks[versionKey(v)] != nil {
		mark = st.MarkText.Render("●")
	}
	used := v.Used() // as module rows show it
	state := p.stateOf(v)
	word := st.State(state).Render(fit(state.String(), 8))
	if p.c.Partial {
		word = st.Dim.Render(fit("…", 8))
	}
	right := word + fitRight(units.Bytes(v.Bytes()), 8) + " " + fitRight(units.Age(used, now), 4)
	verW := p.width - 1 - 3 - 8 - 8 - 1 - 4 - 2
	return mark + "   " + fit(v.Version, verW) + " " + right + " "
}

// worstState is the state a module's badge shows: the most alarming state
// among its versions.
func (p *localPane) worstState(m *cache.Module) cache.State {
	rank := func(s cache.State) int {
		switch s {
		case cache.Damaged:
			return 6
		case cache.Partial:
			return 5
		case cache.TreeOnly:
			return 4
		case cache.ZipOnly:
			return 3
		case cache.ModOnly:
			return 2
		case cache.InfoOnly:
			return 1
		}
		return 0
	}
	worst := cache.Complete
	for _, v := range m.Versions {
		if s := p.stateOf(v); rank(s) > rank(worst) {
			worst = s
		}
	}
	return worst
}
