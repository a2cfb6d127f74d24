package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// dialog is a modal box over the panes: a preview, a confirmation, then a
// running action with progress. While one is open it gets every key.
type dialog interface {
	// start returns the command that begins the dialog's work.
	start(m *Model) tea.Cmd
	update(m *Model, msg tea.Msg) tea.Cmd
	view() string
	// poll runs on every tick: read the running action's progress.
	poll(m *Model) tea.Cmd
	// busy reports whether work runs, so ticks go fast.
	busy() bool
	setSize(w, h int)
	setStyles(st *Styles)
}

// box draws a dialog: a title, body lines, and a key hint line, sized to
// fit w×h (the screen) with a margin.
func box(st *Styles, w, h int, title string, body []string, hint string) string {
	inner := min(72, w-6)
	maxLines := max(3, h-6)
	var lines []string
	for _, l := range body {
		if ansi.StringWidth(l) > inner {
			// Long lines wrap, indented, so nothing is cut off.
			wrapped := strings.Split(lipgloss.Wrap(l, inner-2, " /@"), "\n")
			for i, w := range wrapped {
				if i > 0 {
					w = "  " + w
				}
				lines = append(lines, w)
			}
			continue
		}
		lines = append(lines, l)
	}
	if len(lines) > maxLines {
		lines = append(lines[:maxLines-1], st.Dim.Render("…"))
	}
	content := st.DialogTitle.Render(title) + "\n\n" + strings.Join(lines, "\n")
	if hint != "" {
		content += "\n\n" + hint
	}
	return st.Dialog.Width(inner + 4).Render(content)
}

// keyHint renders "enter prune · esc cancel" with keys in bold.
func keyHint(st *Styles, pairs ...string) string {
	var parts []string
	for i := 0; i+1 < len(pairs); i += 2 {
		parts = append(parts, st.Key.Render(pairs[i])+" "+st.Dim.Render(pairs[i+1]))
	}
	return strings.Join(parts, st.Dim.Render(" · "))
}
