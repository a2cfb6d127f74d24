package ui

import (
	"context"
	"os"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/mirror"
)

// Actions are the operations behind the action keys, supplied by the
// program's owner so the TUI and the CLI run the same code. A nil field
// disables its key with a message saying so.
type Actions struct {
	// PrunePolicy returns the policy of the one-key prune (the config's
	// [prune], with its projects' pins) and notes to show. nil means
	// the default goal (cache.Policy.OrDefaultGoal).
	PrunePolicy func(ctx context.Context, root string) (cache.Policy, []string, error)
	// Lookup asks the remotes which versions of a module they serve, so a
	// plan never evicts whole what cannot be fetched again.
	Lookup cache.RemoteLookup
	// GoEnv is the environment of the go commands the program runs
	// (repair, fetch, a push's downloads); nil means the process's own.
	GoEnv []string
	// Mirrors are the config's named mirrors, offered as push targets.
	Mirrors []Mirror
	// OpenTarget opens a push target: a mirror's name or a URL.
	OpenTarget func(ctx context.Context, nameOrURL string) (mirror.Target, error)
	// MemoDir is where verify and push remember checked zip hashes
	// (cache.ZipHashes: "" the default, cache.ZipHashesOff none).
	MemoDir string
}

// Mirror is a named push target.
type Mirror struct{ Name, URL string }

// actionKey opens the dialog of an action key. Write actions are refused
// here in read-only mode even if a key slipped past the keymap.
func (m *Model) actionKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := m.keys
	for _, b := range []key.Binding{k.Prune, k.Evict, k.Push, k.Fetch} {
		// The read-only keymap disables these, and key.Matches never
		// reports a disabled binding: compare the keys themselves.
		if m.opts.ReadOnly && slices.Contains(b.Keys(), msg.String()) {
			m.setFlash(m.st.WarnText.Render("read-only session: " + b.Help().Desc + " is not allowed"))
			return nil, true
		}
	}
	switch {
	case key.Matches(msg, k.Verify):
		return m.openDialog(newVerifyDialog(m)), true
	case key.Matches(msg, k.Prune):
		return m.openDialog(newPruneDialog(nil)), true
	case key.Matches(msg, k.Push):
		marked := m.local.markedKeys()
		if len(marked) == 0 {
			m.setFlash(m.st.WarnText.Render("nothing marked: space marks versions or modules to push"))
			return nil, true
		}
		if m.opts.Actions.OpenTarget == nil {
			m.setFlash(m.st.WarnText.Render("pushing is not available here"))
			return nil, true
		}
		return m.openDialog(newPushDialog(m, marked)), true
	case key.Matches(msg, k.Fetch):
		if len(m.remote.marks) == 0 {
			m.setFlash(m.st.WarnText.Render("nothing to fetch: in the right pane (tab), space marks versions the remote has and the cache lacks"))
			return nil, true
		}
		return m.openDialog(newFetchDialog(m)), true
	case key.Matches(msg, k.Evict):
		marked := m.local.markedKeys()
		if len(marked) == 0 {
			m.setFlash(m.st.WarnText.Render("nothing marked: space marks versions or modules to evict"))
			return nil, true
		}
		return m.openDialog(newPruneDialog(marked)), true
	}
	return nil, false
}

func (m *Model) openDialog(d dialog) tea.Cmd {
	m.dialog = d
	d.setSize(m.width, m.height)
	d.setStyles(m.st)
	return d.start(m)
}

// closeDialog removes the dialog and cancels whatever it still runs.
func (m *Model) closeDialog() {
	if m.dialog != nil {
		m.dialog.stop()
	}
	m.dialog = nil
}

// goEnv is the environment of the go commands the program runs.
func (m *Model) goEnv() []string {
	if m.opts.Actions.GoEnv != nil {
		return m.opts.Actions.GoEnv
	}
	return os.Environ()
}
