package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/modcache/modcache/internal/units"
)

// lowFree is the free-space level that turns the header's free figure to a
// warning, and critical the level that turns it red.
const (
	lowFreePercent      = 10
	criticalFreePercent = 5
	lowFreeBytes        = 5 << 30
)

// headerView is two lines: where and how big the cache is, then what is
// happening (scan progress, a message, or a quiet summary).
func (m *Model) headerView() string {
	st := m.st
	w := m.width
	root := m.rootLabel
	title := st.Title.Render("modcache")
	line1 := title + " " + st.Dim.Render(fitPath(root, max(8, w-9)))
	c := m.state.Cache
	if c != nil {
		u := c.Usage
		free := ""
		if c.Disk.Total > 0 {
			pct := float64(c.Disk.Free) * 100 / float64(c.Disk.Total)
			text := fmt.Sprintf("free %s (%.0f%%)", units.Bytes(c.Disk.Free), pct)
			switch {
			case pct < criticalFreePercent:
				free = st.DangerText.Render("⚠ " + text)
			case pct < lowFreePercent || c.Disk.Free < lowFreeBytes:
				free = st.WarnText.Render("⚠ " + text)
			default:
				free = st.Dim.Render(text)
			}
		}
		// Totals and free space always show; the split shows as far as it
		// fits (vcs first to go), and the root path takes what is left,
		// cut from the left so its telling end stays.
		parts := []string{"tree " + units.Bytes(u.Trees), "zip " + units.Bytes(u.Zips)}
		if u.VCS > 0 {
			parts = append(parts, "vcs "+units.Bytes(u.VCS))
		}
		total := st.Bold.Render(units.Bytes(u.Total))
		for n := len(parts); n >= 0; n-- {
			sizes := total
			if n > 0 {
				sizes += st.Dim.Render(" · " + strings.Join(parts[:n], " · "))
			}
			room := w - ansi.StringWidth(title) - ansi.StringWidth(sizes) - ansi.StringWidth(free) - 5
			if room >= min(20, ansi.StringWidth(root)) || n == 0 {
				left := title + " " + st.Dim.Render(strings.TrimRight(fitPath(root, max(1, room)), " ")) + "  " + sizes
				line1 = fit(left, w-ansi.StringWidth(free)-1) + " " + free
				break
			}
		}
	}
	return fit(line1, w) + "\n" + fit(m.activityLine(), w)
}

// activityLine says what is going on, most urgent first.
func (m *Model) activityLine() string {
	st := m.st
	s := m.state
	switch {
	case m.flash != "" && time.Now().Before(m.flashUntil):
		return m.flash
	case s.Scanning:
		p := s.Progress
		what := "scanning"
		if s.Stale {
			what = "refreshing"
		}
		return m.spin.View() + st.Dim.Render(fmt.Sprintf(" %s: %s · %s · %s  %s",
			what, units.Count(p.Versions, "version"), units.Count(p.Files, "file"), units.Bytes(p.Bytes), p.Current))
	case s.Err != nil:
		return st.DangerText.Render("✗ scan failed: ") + s.Err.Error() + st.Dim.Render("  (r rescans)")
	case s.Writer != "":
		return m.spin.View() + st.Dim.Render(" "+s.Writer+"…")
	case s.Cache == nil:
		return st.Dim.Render("no scan yet")
	}
	c := s.Cache
	parts := []string{fmt.Sprintf("%s · %s", units.Count(len(c.Modules), "module"), units.Count(c.VersionCount(), "version"))}
	if n := len(c.Problems); n > 0 {
		parts = append(parts, st.WarnText.Render(fmt.Sprintf("%d unreadable", n)))
	}
	if n := m.local.damaged; n > 0 {
		parts = append(parts, st.DangerText.Render(fmt.Sprintf("%d damaged", n)))
	}
	if n := len(c.Unknown); n > 0 {
		parts = append(parts, st.WarnText.Render(fmt.Sprintf("%d not written by go", n)))
	}
	if n := len(c.Strays); n > 0 {
		parts = append(parts, st.WarnText.Render(units.Count(n, "leftover")))
	}
	if !c.Atime.Available {
		parts = append(parts, st.WarnText.Render("last use unknown: "+c.Atime.Reason))
	}
	if age := units.Age(c.ScannedAt, m.opts.Now()); age == "now" {
		parts = append(parts, "scanned just now")
	} else {
		parts = append(parts, "scanned "+age+" ago")
	}
	return st.Dim.Render(strings.Join(parts, " · "))
}

// statusView is the line above the help: the marks, always visible.
func (m *Model) statusView() string {
	st := m.st
	n, bytes := m.local.markedTotal()
	remote := len(m.remote.marks)
	var parts []string
	if n > 0 {
		parts = append(parts, st.MarkText.Render(fmt.Sprintf("● %d marked · %s", n, units.Bytes(bytes))))
	}
	if remote > 0 {
		parts = append(parts, st.MarkText.Render(fmt.Sprintf("● %d remote marked", remote)))
	}
	if len(parts) == 0 {
		return fit(st.Dim.Render("nothing marked · space marks a version or a whole module"), m.width)
	}
	// Only the keys that act on these marks: d and p on the cache's,
	// f on the remote's.
	k := m.keys
	var hints []string
	if !m.opts.ReadOnly && n > 0 {
		hints = append(hints, k.Evict.Help().Key, "evict", k.Push.Help().Key, "push")
	}
	if !m.opts.ReadOnly && remote > 0 {
		hints = append(hints, k.Fetch.Help().Key, "fetch")
	}
	hints = append(hints, k.Unmark.Help().Key, "unmark")
	return fit(strings.Join(parts, "  ")+"  "+keyHint(st, hints...), m.width)
}

// tildePath shows a local path the way a shell prompt does, with the home
// directory as ~; it leaves anything else (a URL) alone.
func tildePath(path string) string {
	if home, err := os.UserHomeDir(); err == nil && strings.HasPrefix(path, home+string(filepath.Separator)) {
		return "~" + path[len(home):]
	}
	return path
}
