package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/mod/module"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/units"
)

// verifyDialog hashes the selection in the background, the way
// `modcache verify` does, lists what is wrong, and offers a repair.
type verifyDialog struct {
	dialogBase

	versions []*cache.Version
	what     string // "3 marked versions", "example.com/alpha"
	noWrites bool   // read-only session: no repair

	stage    verifyStage
	verifier *cache.Verifier
	report   *cache.VerifyReport
	repair   *cache.RepairResult
	err      error
	started  time.Time
	took     time.Duration
}

type verifyStage int

const (
	verifyRunning verifyStage = iota
	verifyReport
	verifyRepairing
	verifyRepaired
)

type verifyDoneMsg struct {
	rep *cache.VerifyReport
	err error
}

type repairDoneMsg struct {
	res *cache.RepairResult
	err error
}

// newVerifyDialog verifies the marked versions, or else what the cursor is
// on: one version, or every version of a module.
func newVerifyDialog(m *Model) *verifyDialog {
	d := &verifyDialog{dialogBase: newDialogBase(), noWrites: m.opts.ReadOnly}
	if marked := m.local.marked(); len(marked) > 0 {
		d.versions, d.what = marked, units.Count(len(marked), "marked version")
	} else if r, ok := m.local.selected(); ok {
		if r.ver != nil {
			d.versions, d.what = []*cache.Version{r.ver}, r.ver.Path+"@"+r.ver.Version
		} else {
			d.versions, d.what = r.mod.Versions, r.mod.Path
		}
	}
	return d
}

func (d *verifyDialog) busy() bool { return d.stage == verifyRunning || d.stage == verifyRepairing }

func (d *verifyDialog) writing() bool { return d.stage == verifyRepairing }

func (d *verifyDialog) start(m *Model) tea.Cmd {
	if len(d.versions) == 0 {
		why := "the cache is empty"
		switch {
		case m.state.Cache == nil:
			why = "the scan has not finished yet"
		case m.local.filter.Value() != "":
			why = "the filter matches no module (esc clears it)"
		}
		d.stage, d.err = verifyReport, fmt.Errorf("nothing to verify: %s", why)
		return nil
	}
	ctx := d.background()
	d.started = time.Now()
	root := m.store.Root()
	d.verifier = cache.NewVerifier(root, d.versions, cache.VerifyOptions{ZipHashes: cache.OpenZipHashes(root, m.opts.Actions.MemoDir)})
	v := d.verifier
	return m.work(d, func() tea.Msg {
		rep, err := v.Run(ctx)
		return verifyDoneMsg{rep, err}
	})
}

func (d *verifyDialog) update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case verifyDoneMsg:
		d.report, d.err, d.stage = msg.rep, msg.err, verifyReport
		if msg.rep != nil && msg.rep.Stopped {
			d.err = nil // stopped by the user: show what was found so far
		}
		d.took = time.Since(d.started)
		switch {
		case msg.rep != nil && msg.rep.Stopped:
			// Which versions it checked is not known: add what it found,
			// clear nothing.
			m.local.setFindings(nil, msg.rep.Findings)
		case msg.rep != nil:
			m.local.setFindings(d.versions, msg.rep.Findings)
		}
	case repairDoneMsg:
		d.repair, d.err, d.stage = msg.res, msg.err, verifyRepaired
		m.local.setFindings(d.versions, unrepaired(d.report.Findings, msg.res))
	case tea.KeyPressMsg:
		k := msg.String()
		switch d.stage {
		case verifyRunning, verifyRepairing:
			if k == "esc" || k == "ctrl+c" {
				d.stop()
			}
		case verifyReport:
			// The offer is hidden in read-only sessions; the key is refused too.
			if k == "r" && d.report != nil && len(d.report.Findings) > 0 && !d.noWrites {
				return d.runRepair(m)
			}
			if k == "esc" || k == "enter" || k == "q" {
				m.closeDialog()
			}
		case verifyRepaired:
			if k == "esc" || k == "enter" || k == "q" {
				m.closeDialog()
			}
		}
	}
	return nil
}

// runRepair replaces only what was found damaged, and only with good copies.
func (d *verifyDialog) runRepair(m *Model) tea.Cmd {
	d.stage = verifyRepairing
	ctx := d.background()
	root, findings := m.store.Root(), d.report.Findings
	env := m.goEnv()
	what := fmt.Sprintf("repair %s", units.Count(len(d.report.Damaged()), "damaged version"))
	return m.writeAction(ctx, d, what, &d.wait, func() tea.Msg {
		res, err := cache.Repair(ctx, root, findings, cache.RepairOptions{GoEnv: env})
		// Repair evicts and downloads: only a scan knows the result. Start
		// it here so other sessions see it even if this one has ended.
		m.store.Rescan()
		return repairDoneMsg{res, err}
	}, func(err error) tea.Msg { return repairDoneMsg{err: err} })
}

func (d *verifyDialog) view() string {
	st := d.st
	title := "Verify " + d.what
	switch d.stage {
	case verifyRunning:
		p := d.verifier.Progress()
		return d.progressView(title, p.Fraction(),
			fmt.Sprintf("%d/%d versions · %s · %s hashed", p.Versions, p.Total, units.Count(p.Files, "file"), units.Bytes(p.Bytes)),
			p.Current, "stop")
	case verifyRepairing:
		if v := d.waiting("Repair"); v != "" {
			return v
		}
		body := []string{st.Dim.Render("fetching good copies with go mod download, then replacing the damaged versions…")}
		return d.box("Repair", body, keyHint(st, "esc", "stop"))
	case verifyRepaired:
		return d.repairedView()
	}
	if d.err != nil {
		return d.failed(title, d.err, "esc")
	}
	r := d.report
	took := units.Elapsed(d.took)
	var body []string
	if r.Stopped {
		body = append(body, st.WarnText.Render(fmt.Sprintf("stopped after %d of %s", r.Versions, units.Count(len(d.versions), "version"))))
	}
	if len(r.Findings) == 0 {
		return d.box(title, append(body,
			st.OKText.Render("✓ sound: ")+fmt.Sprintf("%s, %s, %s hashed in %s", units.Count(r.Versions, "version"), units.Count(r.Files, "file"), units.Bytes(r.Bytes), took),
		), keyHint(st, "enter", "close"))
	}
	body = append(body, st.DangerText.Render(fmt.Sprintf("✗ %s in %s", units.Count(len(r.Findings), "finding"), units.Count(len(r.Damaged()), "version"))))
	if r.Serious() {
		body = append(body, st.DangerText.Render("some disagree with their own hashes or a go.sum: tampering or disk corruption"))
	}
	body = append(body, "")
	for _, f := range r.Findings {
		mark := st.WarnText.Render("• ")
		if f.Serious {
			mark = st.DangerText.Render("! ")
		}
		body = append(body, mark+f.Path+"@"+f.Version+": "+f.Detail)
	}
	hints := []string{"esc", "close"}
	if !d.noWrites {
		hints = append([]string{"r", "repair (replace with good copies)"}, hints...)
	}
	return d.box(title, body, keyHint(st, hints...))
}

func (d *verifyDialog) repairedView() string {
	st := d.st
	if d.err != nil && d.repair == nil {
		return d.failed("Repair", d.err, "enter")
	}
	var body []string
	for _, r := range d.repair.Repaired {
		state := st.OKText.Render("✓ fetched again")
		if !r.Fetched {
			state = st.WarnText.Render(r.Note) // "left evicted: <why>"
		} else if r.Mode == cache.ModeDir {
			state = st.OKText.Render("✓ tree dropped; go re-extracts it from the verified zip")
		}
		body = append(body, fmt.Sprintf("%s@%s  %s", r.Path, r.Version, state))
	}
	for _, s := range d.repair.Skipped {
		body = append(body, st.WarnText.Render("skipped ")+s.Item+": "+s.Reason)
	}
	for _, k := range d.repair.Kept {
		body = append(body, fmt.Sprintf("%s  %s", k.Item, st.WarnText.Render("left as it was, with no good copy: "+k.Reason)))
	}
	for _, err := range d.repair.Errors {
		body = append(body, st.DangerText.Render("✗ ")+err.Error())
	}
	switch {
	case errors.Is(d.err, context.Canceled):
		// Whatever is listed above was done; nothing else was touched.
		body = append(body, st.WarnText.Render("stopped: the versions not listed are as they were; verify shows what is still damaged"))
	case d.err != nil:
		body = append(body, st.DangerText.Render("✗ ")+d.err.Error())
	case len(body) == 0:
		body = append(body, st.OKText.Render("✓ lists rewritten"))
	}
	return d.box("Repair", body, keyHint(st, "enter", "close"))
}

// unrepaired is what still holds of a verify's findings after a repair:
// those about versions it did not replace (kept for want of a good copy,
// locked, or failed). A repair that did not run leaves them all.
func unrepaired(fs []cache.Finding, res *cache.RepairResult) []cache.Finding {
	if res == nil {
		return fs
	}
	done := map[module.Version]bool{}
	for _, r := range res.Repaired {
		done[moduleVersion(r.Path, r.Version)] = true
	}
	var out []cache.Finding
	for _, f := range fs {
		if !done[moduleVersion(f.Path, f.Version)] {
			out = append(out, f)
		}
	}
	return out
}

// findingsFor indexes verify findings by version for the list's badges.
func findingsFor(fs []cache.Finding) map[module.Version]string {
	out := map[module.Version]string{}
	for _, f := range fs {
		if f.Version != "" {
			out[moduleVersion(f.Path, f.Version)] = f.Detail
		}
	}
	return out
}
