package ui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"golang.org/x/mod/module"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/units"
	"github.com/modcache/modcache/proxy"
)

// remotePane shows, for the module selected on the left, what the current
// source holds beside the local versions; or, in catalog mode, everything
// the source holds with what is missing locally.
type remotePane struct {
	st      *Styles
	lk      *lookups
	current int  // index into lk.sources
	catalog bool // whole-remote mode
	cursor  int
	offset  int
	marks   map[module.Version]bool // remote-only versions to fetch
	width   int
	height  int
	spin    string // the program's spinner frame, for this render

	merged  mergeMemo
	missing missingMemo
}

// missingMemo keeps how many catalog modules the cache lacks, for the same
// reason: a catalog may be tens of thousands of paths.
type missingMemo struct {
	cat *catalogDoneMsg
	c   *cache.Cache
	n   int
}

// mergeMemo keeps the last merge. A snapshot's modules and a lookup's
// report are replaced, never changed, so the pair of pointers says whether
// the merge still holds: moving the cursor and redrawing do not merge again.
type mergeMemo struct {
	m    *cache.Module
	info *proxy.Report
	rows []proxy.Merged
}

func newRemotePane(lk *lookups) *remotePane {
	return &remotePane{lk: lk, marks: map[module.Version]bool{}}
}

// rows merges the local versions of m with what info says the current
// source holds, newest first.
func (p *remotePane) rows(m *cache.Module, info *proxy.Report) []proxy.Merged {
	if info != nil && info.Err != nil {
		info = nil // a failed lookup says nothing: the view passes nil for it
	}
	if memo := p.merged; memo.rows != nil && memo.m == m && memo.info == info {
		return memo.rows
	}
	var versions []string
	if m != nil {
		versions = m.VersionList()
	}
	rows := proxy.Merge(versions, info)
	p.merged = mergeMemo{m, info, rows}
	return rows
}

// View draws the pane for module m (nil when nothing is selected).
// selVersion is the version selected on the left, highlighted here.
func (p *remotePane) View(focused bool, m *cache.Module, selVersion string, c *cache.Cache, spin string) string {
	st := p.st
	p.spin = spin
	w := p.width
	lines := make([]string, 0, p.height)
	titleStyle := st.PaneTitle
	if focused {
		titleStyle = st.PaneTitleFocused
	}
	mode := "REMOTE"
	if p.catalog {
		mode = "WHOLE REMOTE"
	}
	n := len(p.lk.sources)
	if n == 0 {
		lines = append(lines, fit(titleStyle.Render(mode), w), fit(st.Dim.Render("no remote configured (GOPROXY is empty?)"), w))
		return p.pad(lines)
	}
	src := p.lk.sources[p.current]
	lines = append(lines, fit(titleStyle.Render(mode)+st.Dim.Render(fmt.Sprintf(" %d/%d ", p.current+1, n))+src.Name(), w))
	if p.catalog {
		if why := src.Unavailable(); why != "" {
			return p.pad(append(lines, wrapLines(st.Dim, why, w, 3)...))
		}
		return p.pad(append(lines, p.catalogLines(focused, c)...))
	}
	if m == nil {
		return p.pad(append(lines, fit(st.Dim.Render("select a module"), w)))
	}
	lines = append(lines, fit(st.Bold.Render(m.Path), w))
	info := p.lk.get(p.current, m.Path)
	switch {
	case src.Unavailable() != "":
		// The local versions still show, beside why the remote's cannot.
		lines = append(lines, wrapLines(st.Dim, src.Unavailable(), w, 3)...)
		return p.pad(append(lines, p.versionLines(focused, m, nil, selVersion)...))
	case info == nil:
		lines = append(lines, fit(p.spin+st.Dim.Render(" asking "+src.Name()+"…"), w))
		return p.pad(append(lines, p.versionLines(focused, m, nil, selVersion)...))
	case info.Private:
		lines = append(lines, wrapLines(st.WarnText, "private (GOPRIVATE/GONOPROXY): go fetches it from version control; no proxy is asked, so local versions may be irreplaceable", w, 3)...)
		return p.pad(append(lines, p.versionLines(focused, m, info, selVersion)...))
	case info.Err != nil:
		// Errors get room: the cause ("connection refused") comes last. A
		// remote skipped after failing on another module gets the short
		// story: the title names the remote, and that module's request
		// is not this one's business.
		text := errorLine(info.Err)
		var skipped *proxy.SkippedError
		if errors.As(info.Err, &skipped) {
			text = "not asked: " + skipped.Reason()
		}
		lines = append(lines, wrapLines(st.DangerText, "✗ "+text, w, 6)...)
		return p.pad(append(lines, p.versionLines(focused, m, nil, selVersion)...))
	}
	latest := st.Dim.Render("latest ") + info.Latest
	if info.NotFound {
		latest = st.WarnText.Render("not on this remote")
	} else if info.Latest == "" {
		latest = st.Dim.Render("no versions listed")
	}
	if p.lk.busy(m.Path) {
		latest += " " + p.spin
	}
	lines = append(lines, fit(latest, w))
	if info.Deprecated != "" {
		lines = append(lines, wrapLines(st.WarnText, "deprecated: "+info.Deprecated, w, 2)...)
	}
	return p.pad(append(lines, p.versionLines(focused, m, info, selVersion)...))
}

// versionLines lists the merged versions in the space left.
func (p *remotePane) versionLines(focused bool, m *cache.Module, info *proxy.Report, selVersion string) []string {
	st := p.st
	rows := p.rows(m, info)
	room := p.height - 4
	if info != nil && info.Deprecated != "" {
		room -= 2
	}
	room = max(1, room)
	p.cursor = min(p.cursor, max(0, len(rows)-1))
	p.offset = scrollTo(p.cursor, p.offset, room, len(rows))
	// The version column is as wide as the longest version, so the status
	// sits next to it; long pseudo-versions are cut to leave the status room.
	verW := 6
	for _, r := range rows {
		verW = max(verW, len(r.Version))
	}
	verW = min(verW, p.width-2-1-14)
	answers := p.answers(m.Path)
	var out []string
	for i := p.offset; i < len(rows) && len(out) < room; i++ {
		r := rows[i]
		mark := " "
		if p.marks[module.Version{Path: m.Path, Version: r.Version}] {
			mark = st.MarkText.Render("●")
		}
		status, style := "", st.Dim
		switch {
		case r.Local && r.Remote:
			status, style = "both", st.OKText
		case !r.Local && r.Newer:
			status, style = "remote ↑newer", st.AccentText
		case !r.Local:
			status, style = "remote", st.AccentText
		case proxy.Irreplaceable(r.Version, answers):
			status, style = "irreplaceable", st.DangerText
		case info == nil:
			status = "local"
		default:
			status = "local only"
		}
		retracted := ""
		if r.Retracted {
			retracted = st.WarnText.Render(" retracted")
		}
		line := fit(mark+" "+fitVersion(r.Version, verW)+" "+style.Render(status)+retracted, p.width)
		if i == p.cursor && focused {
			line = st.cursorRow(line)
		} else if r.Version == selVersion {
			line = st.blurredRow(line)
		}
		out = append(out, line)
	}
	return out
}

// answers are what every browsable source said of path so far, for
// proxy.Irreplaceable: a local-only version is irreplaceable when all
// answered and none lists it, or the module is private.
func (p *remotePane) answers(path string) []*proxy.Report {
	var reports []*proxy.Report
	for i, src := range p.lk.sources {
		if src.Unavailable() == "" {
			reports = append(reports, p.lk.get(i, path))
		}
	}
	return reports
}

// catalogLines lists everything the source holds, flagging what the local
// cache lacks.
func (p *remotePane) catalogLines(focused bool, c *cache.Cache) []string {
	st := p.st
	cat := p.lk.catalog[p.current]
	if cat == nil {
		return []string{fit(p.spin+st.Dim.Render(" listing everything…"), p.width)}
	}
	if cat.err != "" {
		return wrapLines(st.DangerText, cat.err, p.width, 4)
	}
	out := []string{fit(fmt.Sprintf("%s · ", units.Count(len(cat.paths), "module"))+st.WarnText.Render(fmt.Sprintf("%d missing locally", p.missingLocally(cat, c))), p.width)}
	room := max(1, p.height-3)
	p.cursor = min(p.cursor, max(0, len(cat.paths)-1))
	p.offset = scrollTo(p.cursor, p.offset, room, len(cat.paths))
	for i := p.offset; i < len(cat.paths) && len(out) < room+1; i++ {
		path := cat.paths[i]
		status := st.OKText.Render("local  ")
		if c == nil || c.Find(path) == nil {
			status = st.WarnText.Render("missing")
		}
		// The blank first column takes the cursor mark where attributes
		// do not show (Styles.cursorRow).
		line := " " + fitPath(path, p.width-10) + " " + status + " "
		if i == p.cursor && focused {
			line = st.cursorRow(line)
		}
		out = append(out, line)
	}
	return out
}

// missingLocally counts the catalog's modules c lacks.
func (p *remotePane) missingLocally(cat *catalogDoneMsg, c *cache.Cache) int {
	if p.missing.cat == cat && p.missing.c == c {
		return p.missing.n
	}
	n := 0
	for _, path := range cat.paths {
		if c == nil || c.Find(path) == nil {
			n++
		}
	}
	p.missing = missingMemo{cat, c, n}
	return n
}

// rowCount is how many selectable rows the pane shows now, for cursor
// movement.
func (p *remotePane) rowCount(m *cache.Module) int {
	if p.catalog {
		if cat := p.lk.catalog[p.current]; cat != nil {
			return len(cat.paths)
		}
		return 0
	}
	if m == nil || len(p.lk.sources) == 0 {
		return 0
	}
	return len(p.rows(m, p.lk.get(p.current, m.Path)))
}

// selectedRow returns the version under the pane's cursor.
func (p *remotePane) selectedRow(m *cache.Module) (proxy.Merged, bool) {
	if m == nil || p.catalog || len(p.lk.sources) == 0 {
		return proxy.Merged{}, false
	}
	rows := p.rows(m, p.lk.get(p.current, m.Path))
	if p.cursor < 0 || p.cursor >= len(rows) {
		return proxy.Merged{}, false
	}
	return rows[p.cursor], true
}

func (p *remotePane) pad(lines []string) string {
	for len(lines) < p.height {
		lines = append(lines, strings.Repeat(" ", p.width))
	}
	return strings.Join(lines[:p.height], "\n")
}

// scrollTo keeps cursor visible in a window of room rows.
func scrollTo(cursor, offset, room, n int) int {
	if cursor < offset {
		offset = cursor
	}
	if cursor >= offset+room {
		offset = cursor - room + 1
	}
	return max(0, min(offset, n-room))
}

// wrapLines wraps text to w cells, at most n lines, each padded to w.
func wrapLines(style lipgloss.Style, text string, w, n int) []string {
	wrapped := strings.Split(lipgloss.Wrap(text, w, " /"), "\n")
	if len(wrapped) > n {
		wrapped = wrapped[:n]
		wrapped[n-1] = fit(strings.TrimRight(wrapped[n-1], " ")+"…", w)
	}
	for i, l := range wrapped {
		wrapped[i] = style.Render(fit(l, w))
	}
	return wrapped
}
