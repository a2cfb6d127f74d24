package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
)

// KeyMap is the one declaration of every key. The footer, the full help
// (?), the README's key table and the read-only mode all read it.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Expand, Collapse                        key.Binding
	Mark, Unmark                            key.Binding
	Filter, Sort, SwitchPane, Back          key.Binding
	NextRemote, Catalog, Rescan             key.Binding
	Verify                                  key.Binding
	Prune, Evict, Push, Fetch               key.Binding // write actions
	Help, Quit                              key.Binding
}

// DefaultKeyMap has vim keys and arrows for everything that moves.
func DefaultKeyMap() *KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return &KeyMap{
		Up:         b("↑/k", "up", "up", "k"),
		Down:       b("↓/j", "down", "down", "j"),
		PageUp:     b("pgup/ctrl+b", "page up", "pgup", "ctrl+b"),
		PageDown:   b("pgdn/ctrl+f", "page down", "pgdown", "ctrl+f"),
		Top:        b("g/home", "top", "g", "home"),
		Bottom:     b("G/end", "bottom", "G", "end"),
		Expand:     b("enter/→/l", "expand", "enter", "right", "l"),
		Collapse:   b("←/h", "collapse", "left", "h"),
		Mark:       b("space", "mark", "space"),
		Unmark:     b("u", "unmark all", "u"),
		Filter:     b("/", "filter", "/"),
		Sort:       b("s", "sort", "s"),
		SwitchPane: b("tab", "switch pane", "tab"),
		Back:       b("esc", "clear filter, close", "esc"),
		NextRemote: b("R", "next remote", "R"),
		Catalog:    b("c", "whole remote", "c"),
		Rescan:     b("r", "rescan", "r"),
		Verify:     b("v", "verify", "v"),
		Prune:      b("P", "prune", "P"),
		Evict:      b("d", "evict marked", "d"),
		Push:       b("p", "push marked", "p"),
		Fetch:      b("f", "fetch marked", "f"),
		Help:       b("?", "help", "?"),
		Quit:       b("q", "quit", "q", "ctrl+c"),
	}
}

// writes lists the bindings that delete, upload or download. Read-only
// mode removes exactly these; handlers check again, so the keymap is not
// the only guard.
func (k *KeyMap) writes() []*key.Binding {
	return []*key.Binding{&k.Prune, &k.Evict, &k.Push, &k.Fetch}
}

// IsWrite reports whether b is a write action.
func (k *KeyMap) IsWrite(b key.Binding) bool {
	for _, w := range k.writes() {
		if w.Help() == b.Help() {
			return true
		}
	}
	return false
}

// SetReadOnly disables the write actions, which also hides them from help.
func (k *KeyMap) SetReadOnly(ro bool) {
	for _, b := range k.writes() {
		b.SetEnabled(!ro)
	}
}

// ShortHelp is the footer: the keys people need first, with their
// shortest names so all of them fit in 80 columns.
func (k *KeyMap) ShortHelp() []key.Binding {
	short := func(b key.Binding, name, desc string) key.Binding {
		b.SetHelp(name, desc)
		return b
	}
	return []key.Binding{
		short(k.Expand, "enter", "expand"),
		short(k.Mark, "space", "mark"),
		short(k.Filter, "/", "filter"),
		// On a narrow screen the footer keeps its first entries: how to
		// learn the rest and how to leave come before the rest.
		short(k.Help, "?", "keys"),
		short(k.Quit, "q", "quit"),
		short(k.SwitchPane, "tab", "pane"),
		short(k.Prune, "P", "prune"),
	}
}

// FullHelp is the ? screen, in columns.
func (k *KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Expand, k.Collapse, k.Filter, k.Sort, k.SwitchPane, k.Rescan},
		{k.Mark, k.Unmark, k.NextRemote, k.Catalog, k.Verify, k.Back},
		{k.Prune, k.Evict, k.Push, k.Fetch, k.Help, k.Quit},
	}
}

// MarkdownTable renders every key as the README's table.
func (k *KeyMap) MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| Key | Action | Note |\n|---|---|---|\n")
	for _, group := range k.FullHelp() {
		for _, kb := range group {
			note := ""
			if k.IsWrite(kb) {
				note = "writes; hidden in read-only mode"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", kb.Help().Key, kb.Help().Desc, note)
		}
	}
	return b.String()
}
