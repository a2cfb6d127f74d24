package ui

import (
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// Scene is one still of the UI: a size, a background, and the keys pressed
// to get there. Screenshots and docs are made from scenes, so they show
// the real program, not a mock-up.
type Scene struct {
	Width, Height int
	Dark          bool
	Profile       colorprofile.Profile // zero means TrueColor
	Keys          []string             // as tea.KeyPressMsg.String() spells them
}

// RenderScene builds a program, plays the scene's keys, answers every
// remote lookup synchronously after each key, and returns the frame.
func RenderScene(opts Options, sc Scene) string {
	opts.NoRescan = true
	m := New(opts)
	m.scene = true
	profile := sc.Profile
	if profile == 0 {
		profile = colorprofile.TrueColor
	}
	m.Update(tea.WindowSizeMsg{Width: sc.Width, Height: sc.Height})
	m.Update(tea.ColorProfileMsg{Profile: profile})
	m.dark = sc.Dark
	m.applyStyles()
	m.settle()
	for _, k := range sc.Keys {
		_, cmd := m.Update(keyPress(k))
		m.drain(cmd)
		m.settle()
	}
	return m.View().Content
}

// drain runs commands synchronously and feeds their messages back, as the
// program would, so dialogs reach the state the scene shows.
func (m *Model) drain(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			m.drain(c)
		}
	case spinner.TickMsg:
	default:
		_, next := m.Update(msg)
		m.drain(next)
	}
}

// settle answers the lookups the current screen waits for.
func (m *Model) settle() {
	m.refresh()
	if mod, _ := m.selectedModule(); mod != nil {
		m.lk.answer(mod.Path, mod.VersionList())
		m.lookupFor = mod.Path
	}
	if m.remote.catalog && len(m.lk.sources) > 0 && m.lk.catalog[m.remote.current] == nil {
		delete(m.lk.catBusy, m.remote.current)
		if cmd := m.lk.startCatalog(m.remote.current); cmd != nil {
			m.Update(cmd())
		}
	}
}

// keyPress turns a key name into the message a terminal would produce.
func keyPress(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}
