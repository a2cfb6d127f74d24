package ui

import tea "charm.land/bubbletea/v2"

// dialog is a modal box over the panes: a preview, a confirmation, then a
// running action with progress. While one is open it gets every key.
type dialog interface {
	update(m *Model, msg tea.Msg) tea.Cmd
	view() string
	// poll runs on every tick: read the running action's progress.
	poll(m *Model) tea.Cmd
	// busy reports whether an action is running, so ticks go fast.
	busy() bool
	setSize(w, h int)
	setStyles(st *Styles)
}
