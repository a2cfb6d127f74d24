package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
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
func highlight(line string, base lipgloss.Style) string {
	open, _, _ := strings.Cut(base.Render("\x00"), "\x00")
	if open == "" {
		return line
	}
	line = strings.ReplaceAll(line, "\x1b[0m", "\x1b[m")
	line = strings.ReplaceAll(line, "\x1b[m", "\x1b[m"+open)
	return open + line + "\x1b[m"
}
