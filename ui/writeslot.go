package ui

import (
	"context"
	"sync"

	tea "charm.land/bubbletea/v2"
)

// waiter tells a dialog, while it waits for the store's single write
// slot, who holds it, so the dialog can say what it is waiting for.
type waiter struct {
	mu     sync.Mutex
	holder string
}

func (w *waiter) set(holder string) {
	w.mu.Lock()
	w.holder = holder
	w.mu.Unlock()
}

func (w *waiter) get() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.holder
}

// writeAction announces a write action (for session logs) and returns a
// command that runs it holding the store's write slot: two write actions
// never run at once, over SSH or not. fail turns a cancelled wait into
// the dialog's result message.
func (m *Model) writeAction(ctx context.Context, d dialog, what string, w *waiter, run func() tea.Msg, fail func(error) tea.Msg) tea.Cmd {
	if m.opts.OnAction != nil {
		m.opts.OnAction(what)
	}
	store := m.store
	return m.work(d, func() tea.Msg {
		release, err := store.AcquireWrite(ctx, what, w.set)
		if err != nil {
			return fail(err)
		}
		defer release()
		w.set("")
		return run()
	})
}

// waitingBody is what a dialog shows while another action holds the slot.
func waitingBody(st *Styles, holder string) []string {
	return []string{
		st.WarnText.Render("waiting: another write action is running (" + holder + ")"),
		st.Dim.Render("this one starts as soon as that one finishes"),
	}
}
