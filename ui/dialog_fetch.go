package ui

import (
	"fmt"
	"sort"

	tea "charm.land/bubbletea/v2"

	"github.com/modcache/modcache/internal/units"
	"github.com/modcache/modcache/mirror"
)

// fetchDialog downloads versions marked in the right pane into the local
// cache with the real go mod download (so go verifies them against go.sum
// and the checksum database), using the user's GOPROXY.
type fetchDialog struct {
	dialogBase
	queries []string
	fetcher *mirror.Fetcher
	done    []mirror.Fetched
	err     error
	running bool
}

type fetchDoneMsg struct {
	done []mirror.Fetched
	err  error
}

func newFetchDialog(m *Model) *fetchDialog {
	d := &fetchDialog{dialogBase: newDialogBase()}
	for mv := range m.remote.marks {
		d.queries = append(d.queries, mv.Path+"@"+mv.Version)
	}
	sort.Strings(d.queries)
	return d
}

func (d *fetchDialog) busy() bool { return d.running }

func (d *fetchDialog) writing() bool { return d.running }

func (d *fetchDialog) start(m *Model) tea.Cmd {
	if m.opts.ReadOnly {
		d.err = fmt.Errorf("read-only session: fetching is not allowed")
		return nil
	}
	env := m.goEnv()
	ctx := d.background()
	d.running = true
	d.fetcher = mirror.NewFetcher(m.store.Root(), env, d.queries, false)
	f := d.fetcher
	return m.writeAction(ctx, d, fmt.Sprintf("fetch %s", units.Count(len(d.queries), "version")), &d.wait, func() tea.Msg {
		done, err := f.Run(ctx)
		// The cache changed on disk; a scan shows how, for every session.
		m.store.Rescan()
		return fetchDoneMsg{done, err}
	}, func(err error) tea.Msg { return fetchDoneMsg{err: err} })
}

func (d *fetchDialog) update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case fetchDoneMsg:
		d.done, d.err, d.running = msg.done, msg.err, false
		for _, f := range msg.done {
			if f.Error == "" {
				delete(m.remote.marks, moduleVersion(f.Path, f.Version))
			}
		}
	case tea.KeyPressMsg:
		switch msg.String() {
		case "esc", "ctrl+c", "q":
			if d.running {
				if msg.String() == "q" {
					return nil
				}
				d.stop()
				return nil
			}
			m.closeDialog()
		case "enter":
			if !d.running {
				m.closeDialog()
			}
		}
	}
	return nil
}

func (d *fetchDialog) view() string {
	st := d.st
	title := fmt.Sprintf("Fetch %s into the cache", units.Count(len(d.queries), "version"))
	if d.running {
		if w := d.waiting(title); w != "" {
			return w
		}
		p := d.fetcher.Progress()
		return d.box(title, []string{
			st.Dim.Render("go mod download is fetching and verifying…"),
			fmt.Sprintf("%s fetched", units.Count(p.Requests, "file")),
			st.Dim.Render(p.Current),
		}, keyHint(st, "esc", "stop"))
	}
	var body []string
	if d.err != nil {
		body = append(body, st.DangerText.Render("✗ "+errorLine(d.err)))
	}
	for _, f := range d.done {
		if f.Error != "" {
			body = append(body, st.DangerText.Render("✗ ")+f.Path+"@"+f.Version+": "+f.Error)
		} else {
			body = append(body, st.OKText.Render("✓ ")+f.Path+"@"+f.Version)
		}
	}
	return d.box(title, body, keyHint(st, "enter", "close"))
}
