package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Actions are the operations behind the action keys, supplied by the
// program's owner so the TUI and the CLI run the same code. A nil field
// disables its key.
type Actions struct{}

// actionKey handles the action keys. Write actions are refused here in
// read-only mode even if a key slipped past the keymap.
func (m *Model) actionKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := m.keys
	for _, b := range []key.Binding{k.Prune, k.Evict, k.Push, k.Fetch} {
		if key.Matches(msg, b) || (!b.Enabled() && matchesDisabled(msg, b)) {
			if m.opts.ReadOnly {
				m.setFlash(m.st.WarnText.Render("read-only session: " + b.Help().Desc + " is not allowed"))
				return nil, true
			}
		}
	}
	return nil, false
}

// matchesDisabled is key.Matches for a disabled binding, which
// key.Matches never reports.
func matchesDisabled(msg tea.KeyPressMsg, b key.Binding) bool {
	for _, k := range b.Keys() {
		if msg.String() == k {
			return true
		}
	}
	return false
}
