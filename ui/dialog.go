package ui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/progress"
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
	// busy reports whether work runs, so ticks go fast.
	busy() bool
	// writing reports whether the work is a write the user confirmed,
	// which runs to its end even when the session does.
	writing() bool
	setSize(w, h int)
	setStyles(st *Styles)
	// stop cancels the dialog's background work, if any.
	stop()
}

// reply is a dialog's background result, addressed to that dialog: a
// closed dialog's late answer must not reach the one open now.
type reply struct {
	to  dialog
	msg tea.Msg
}

// discarder is a result holding something to release when no dialog
// takes it (an opened push target).
type discarder interface{ discard() }

// work runs f in the background for d and delivers its result to d only.
func (m *Model) work(d dialog, f func() tea.Msg) tea.Cmd {
	return func() tea.Msg { return reply{to: d, msg: f()} }
}

// dialogBase is what every dialog has: the screen size and styles, a
// progress bar, the write-slot waiter and the cancel of its background
// work. Dialogs embed it.
type dialogBase struct {
	st     *Styles
	width  int
	height int
	bar    progress.Model
	wait   waiter
	cancel context.CancelFunc
}

func newDialogBase() dialogBase {
	return dialogBase{bar: progress.New(progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'))}
}

func (d *dialogBase) setSize(w, h int) { d.width, d.height = w, h; d.bar.SetWidth(min(60, w-14)) }

func (d *dialogBase) setStyles(st *Styles) {
	d.st = st
	d.bar.FullColor, d.bar.EmptyColor = st.Accent, st.Muted
}

// background returns a context for the dialog's next piece of work,
// cancelling the previous one.
func (d *dialogBase) background() context.Context {
	d.stop()
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	return ctx
}

// stop cancels the dialog's background work, if any.
func (d *dialogBase) stop() {
	if d.cancel != nil {
		d.cancel()
	}
}

// box draws the dialog with a title, body lines and key hints.
func (d *dialogBase) box(title string, body []string, hint string) string {
	return box(d.st, d.width, d.height, title, body, hint)
}

// failed draws an error and the key that closes the dialog.
func (d *dialogBase) failed(title string, err error, closeKey string) string {
	return d.box(title, []string{d.st.DangerText.Render("✗ " + errorLine(err))}, keyHint(d.st, closeKey, "close"))
}

// waiting draws the wait for another action's write slot, or "" when
// there is no wait.
func (d *dialogBase) waiting(title string) string {
	holder := d.wait.get()
	if holder == "" {
		return ""
	}
	return d.box(title, waitingBody(d.st, holder), keyHint(d.st, "esc", "give up"))
}

// box draws a dialog: a title, body lines, and a key hint line, sized to
// fit w×h (the screen) with a margin.
func box(st *Styles, w, h int, title string, body []string, hint string) string {
	inner := boxInner(w)
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

// progressView draws running work: a bar, a line of figures and what is
// being worked on, or the wait for the write slot while another action
// holds it.
func (d *dialogBase) progressView(title string, frac float64, figures, current, stop string) string {
	if w := d.waiting(title); w != "" {
		return w
	}
	return d.box(title, []string{d.bar.ViewAs(frac), figures, d.st.Dim.Render(current)}, keyHint(d.st, "esc", stop))
}

// boxInner is the width of a dialog's text on a w-column screen.
func boxInner(w int) int { return min(72, w-6) }

// keyHint renders "enter prune · esc cancel" with keys in bold.
func keyHint(st *Styles, pairs ...string) string {
	var parts []string
	for i := 0; i+1 < len(pairs); i += 2 {
		parts = append(parts, st.Key.Render(pairs[i])+" "+st.Dim.Render(pairs[i+1]))
	}
	return strings.Join(parts, st.Dim.Render(" · "))
}

// capped renders the first n items, one line each, and then how many more
// there are ("… and 3 more errors") rather than letting a dialog outgrow
// the screen.
func capped[T any](st *Styles, items []T, n int, more string, line func(T) string) []string {
	var out []string
	for i, it := range items {
		if i == n {
			return append(out, st.Dim.Render(fmt.Sprintf("… and %d more %s", len(items)-n, more)))
		}
		out = append(out, line(it))
	}
	return out
}
