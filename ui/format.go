package ui

import (
	"strings"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"golang.org/x/mod/module"
)

// fit pads or cuts s (plain or styled) to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-sw)
}

// fitRight right-aligns s in w cells.
func fitRight(s string, w int) string {
	sw := ansi.StringWidth(s)
	if sw >= w {
		return ansi.Truncate(s, w, "…")
	}
	return strings.Repeat(" ", w-sw) + s
}

// fitVersion fits a version into w cells. A pseudo-version too long for
// them keeps its timestamp, which tells it from its neighbours, rather
// than its shared "v0.0.0-2026" start: "…20260811164956-006e".
func fitVersion(v string, w int) string {
	if len(v) <= w || !module.IsPseudoVersion(v) {
		return fit(v, w)
	}
	ts, err := module.PseudoVersionTime(v)
	if err != nil {
		return fit(v, w)
	}
	stamp := ts.UTC().Format("20060102150405")
	i := strings.Index(v, stamp)
	if i < 0 || w < len(stamp)+1 {
		return fit(v, w)
	}
	return fit("…"+v[i:], w)
}

// fitPath cuts a module path from the left, keeping its more telling end:
// "…/aws-sdk-go-v2/service/s3" rather than "github.com/aws/aws-sdk…".
func fitPath(p string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(p) <= w {
		return fit(p, w)
	}
	if w == 1 {
		return "…"
	}
	return "…" + ansi.TruncateLeft(p, ansi.StringWidth(p)-(w-1), "")
}

// highlight paints a whole row with base (a background or reverse video).
// Cells inside the row carry their own styles, and each ends with a reset
// that would end the highlight too; so base is re-opened after every reset.
// cursorRow marks the cursor's row in the focused pane: in reverse video,
// or where no attribute shows (Styles.Plain) with a '>' in its first
// column, which is blank or a mark.
func (s *Styles) cursorRow(line string) string {
	if !s.Plain {
		return highlight(line, s.Cursor)
	}
	line = ansi.Strip(line) // nothing of it would show anyway
	r, n := utf8.DecodeRuneInString(line)
	switch r {
	case ' ':
		return ">" + line[n:]
	case '●':
		return "◉" + line[n:] // marked, and the cursor is on it
	case '○':
		return "◎" + line[n:] // partly marked, and the cursor is on it
	}
	return line
}

// choice marks the chosen one of a few words shown side by side.
func (s *Styles) choice(word string) string {
	if s.Plain {
		return "[" + word + "]"
	}
	return s.Cursor.Render(" " + word + " ")
}

// blurredRow marks the cursor's row in the other pane, where attributes
// show; a text marker there would read as a second cursor.
func (s *Styles) blurredRow(line string) string {
	if s.Plain {
		return line
	}
	return highlight(line, s.CursorBlurred)
}

func highlight(line string, base lipgloss.Style) string {
	open, _, _ := strings.Cut(base.Render("\x00"), "\x00")
	if open == "" {
		return line
	}
	line = strings.ReplaceAll(line, "\x1b[0m", "\x1b[m")
	line = strings.ReplaceAll(line, "\x1b[m", "\x1b[m"+open)
	return open + line + "\x1b[m"
}
