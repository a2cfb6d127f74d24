package ui

import (
	"fmt"
	"strings"
	"sync"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"golang.org/x/mod/module"

	"github.com/modcache/modcache/internal/units"
	"github.com/modcache/modcache/mirror"
)

// pushDialog pushes the marked versions, with everything they need to
// build, to a mirror: pick the target, preview the closure (count, size,
// what the target already has, what is refused and why), then upload with
// a progress bar. It runs the same mirror.Plan and mirror.Push as
// `modcache push`.
type pushDialog struct {
	dialogBase

	sel     []module.Version
	choices []Mirror // config mirrors, then "a URL"
	choice  int
	url     textinput.Model
	empty   bool // enter was pressed with no target typed
	// download is set once the user agreed to download the zips the
	// first plan found missing; until then planning downloads none.
	download bool

	stage   pushStage
	target  mirror.Target
	planner *mirror.Planner
	plan    *mirror.Plan
	totals  mirror.Totals // of plan, summed once rather than per frame
	push    *mirror.Push
	result  *mirror.Result
	err     error

	mu sync.Mutex // guards planner, set by the planning command
}

type pushStage int

const (
	pushChoose pushStage = iota
	pushPlanning
	pushPreview
	pushRunning
	pushDone
)

type pushPlanMsg struct {
	target mirror.Target
	plan   *mirror.Plan
	err    error
}

// discard closes a target nobody will push to.
func (msg pushPlanMsg) discard() {
	if msg.target != nil {
		msg.target.Close()
	}
}

type pushDoneMsg struct {
	res *mirror.Result
	err error
}

func newPushDialog(m *Model, marked []module.Version) *pushDialog {
	d := &pushDialog{dialogBase: newDialogBase(), choices: append([]Mirror(nil), m.opts.Actions.Mirrors...), sel: marked}
	d.choices = append(d.choices, Mirror{Name: "another target…"})
	d.url = textinput.New()
	// Short enough to show whole in an 80-column box.
	d.url.Placeholder = "/srv/goproxy, file://…, s3://…, https://…/, bundle:///….tar.zst"
	d.url.Prompt = "to "
	return d
}

// setStyles also gives the target field the screen's palette, as the
// filter field has; bubbles' own defaults assume a dark background.
func (d *pushDialog) setStyles(st *Styles) {
	d.dialogBase.setStyles(st)
	d.url.SetStyles(st.Input())
}

// setSize also fits the target field to the box: a text input without a
// width shows only the first character of its placeholder.
func (d *pushDialog) setSize(w, h int) {
	d.dialogBase.setSize(w, h)
	d.url.SetWidth(max(10, boxInner(w)-ansi.StringWidth(d.url.Prompt)-1))
}

func (d *pushDialog) busy() bool { return d.stage == pushPlanning || d.stage == pushRunning }

func (d *pushDialog) writing() bool { return d.stage == pushRunning }

func (d *pushDialog) start(m *Model) tea.Cmd {
	if len(d.choices) == 1 {
		return d.url.Focus()
	}
	return nil
}

// stop also closes a target opened for a push that will not run now.
func (d *pushDialog) stop() {
	d.dialogBase.stop()
	if d.stage == pushPreview && d.target != nil {
		d.target.Close()
		d.target = nil
	}
}

func (d *pushDialog) custom() bool { return d.choice == len(d.choices)-1 }

// plan opens the target and builds the plan in the background: opening
// may dial a server, and planning may download and hashes every zip.
func (d *pushDialog) startPlan(m *Model) tea.Cmd {
	to := d.choices[d.choice].Name
	if d.custom() {
		to = strings.TrimSpace(d.url.Value())
		if to == "" {
			d.empty = true
			return nil
		}
	}
	d.stage = pushPlanning
	ctx := d.background()
	acts, c, sel, store := m.opts.Actions, m.state.Cache, d.sel, m.store
	env := m.goEnv()
	askFirst := !d.download
	return m.work(d, func() tea.Msg {
		t, err := acts.OpenTarget(ctx, to)
		if err != nil {
			return pushPlanMsg{err: err}
		}
		p := mirror.NewPlanner(c, mirror.Selection{Versions: sel, WithDeps: true, Env: env, MemoDir: acts.MemoDir, AskFirst: askFirst}, t)
		d.mu.Lock()
		d.planner = p
		d.mu.Unlock()
		plan, err := p.Run(ctx)
		// Planning downloads what the cache lacks; show it whether or
		// not the push goes ahead, and after a plan that failed or was
		// cancelled once it had started, which may have downloaded part.
		if (err != nil && p.Progress().Stage != "") || (err == nil && len(plan.Downloaded)+len(plan.GoMods) > 0) {
			store.Rescan()
		}
		if err != nil {
			t.Close()
			return pushPlanMsg{err: err}
		}
		return pushPlanMsg{target: t, plan: plan}
	})
}

func (d *pushDialog) update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pushPlanMsg:
		if d.stage != pushPlanning {
			msg.discard()
			return nil
		}
		d.target, d.plan, d.err, d.stage = msg.target, msg.plan, msg.err, pushPreview
		if d.plan != nil {
			d.totals = d.plan.Totals()
		}
	case pushDoneMsg:
		d.result, d.err, d.stage = msg.res, msg.err, pushDone
	case tea.KeyPressMsg:
		return d.key(m, msg)
	}
	return nil
}

func (d *pushDialog) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	k := msg.String()
	switch d.stage {
	case pushChoose:
		switch {
		case k == "esc":
			m.closeDialog()
		case k == "enter":
			return d.startPlan(m)
		case k == "up" && d.choice > 0 && !(d.custom() && d.url.Value() != ""):
			d.choice--
			d.url.Blur()
		case k == "down" && d.choice < len(d.choices)-1:
			d.choice++
			if d.custom() {
				return d.url.Focus()
			}
		case d.custom():
			var cmd tea.Cmd
			d.url, cmd = d.url.Update(msg)
			return cmd
		}
	case pushPlanning:
		if k == "esc" || k == "q" {
			m.closeDialog()
		}
	case pushPreview:
		switch {
		case k == "esc" || k == "q":
			m.closeDialog()
		case k == "enter" && d.err == nil && len(d.plan.ToDownload) > 0:
			// Download what the plan lacks, then plan again with it.
			d.stop()
			d.download = true
			return d.startPlan(m)
		case k == "enter" && d.err == nil && len(d.plan.Versions) > 0:
			return d.run(m)
		}
	case pushRunning:
		if k == "esc" || k == "ctrl+c" {
			d.stop() // uploads are atomic: nothing partial is left visible
		}
	case pushDone:
		if k == "esc" || k == "enter" || k == "q" {
			m.closeDialog()
		}
	}
	return nil
}

func (d *pushDialog) run(m *Model) tea.Cmd {
	if m.opts.ReadOnly {
		d.err = fmt.Errorf("read-only session: pushing is not allowed")
		return nil
	}
	d.stage = pushRunning
	ctx := d.background()
	d.push = mirror.NewPush(d.plan, d.target, mirror.PushOptions{})
	tot := d.totals
	what := fmt.Sprintf("push %s (%s) to %s", units.Count(tot.Versions, "version"), units.Bytes(tot.Bytes-tot.PresentBytes), d.target)
	// The push owns the target from here and closes it when done, even
	// if the session has ended and nobody reads the result.
	push, t := d.push, d.target
	d.target = nil
	return m.writeAction(ctx, d, what, &d.wait, func() tea.Msg {
		res, err := push.Run(ctx)
		t.Close()
		return pushDoneMsg{res, err}
	}, func(err error) tea.Msg { t.Close(); return pushDoneMsg{err: err} })
}

func (d *pushDialog) view() string {
	st := d.st
	title := fmt.Sprintf("Push %s with dependencies", units.Count(len(d.sel), "marked version"))
	switch d.stage {
	case pushChoose:
		body := []string{"to which mirror?", ""}
		for i, c := range d.choices {
			line := "  " + c.Name
			if c.URL != "" {
				line += st.Dim.Render("  " + c.URL)
			}
			if i == d.choice {
				line = st.Cursor.Render("▸ "+c.Name) + st.Dim.Render("  "+c.URL)
			}
			body = append(body, line)
		}
		if d.custom() {
			body = append(body, "", d.url.View())
			if d.empty && strings.TrimSpace(d.url.Value()) == "" {
				body = append(body, st.WarnText.Render("type a target first: a directory, or a URL as shown"))
			}
		}
		return d.box(title, body, keyHint(st, "↑/↓", "choose", "enter", "plan", "esc", "cancel"))
	case pushPlanning:
		d.mu.Lock()
		p := d.planner
		d.mu.Unlock()
		body := []string{st.Dim.Render("opening the target…")}
		if p != nil {
			pr := p.Progress()
			body = []string{pr.Headline()}
			if pr.Current != "" && pr.GoFetches() {
				body = append(body, st.Dim.Render(pr.Current))
			}
			if pr.Total > 0 && !pr.GoFetches() { // go reports downloads only at the end
				body = append([]string{d.bar.ViewAs(float64(pr.Done) / float64(pr.Total))}, body...)
			}
			if pr.Stage == "verify" {
				body = append(body, st.Dim.Render("checking every zip against its hash before it may leave the machine"))
			}
		}
		return d.box(title, body, keyHint(st, "esc", "cancel"))
	case pushRunning:
		return d.runningView(title)
	case pushDone:
		return d.doneView(title)
	}
	return d.previewView(title)
}

func (d *pushDialog) previewView(title string) string {
	st := d.st
	if d.err != nil {
		return d.failed(title, d.err, "esc")
	}
	t := d.totals
	body := []string{
		st.Dim.Render("to ") + tildePath(d.plan.Target),
		fmt.Sprintf("%s: %d full, %d graph-only (.mod only) · %s · %s",
			units.Count(t.Versions, "version"), t.Full, t.GraphOnly, units.Count(t.Files, "file"), st.Bold.Render(units.Bytes(t.Bytes))),
	}
	switch {
	case d.plan.Checked && t.PresentFiles == 0:
		body = append(body, st.Dim.Render("already there: ")+"nothing of it")
	case d.plan.Checked:
		body = append(body, st.Dim.Render("already there: ")+fmt.Sprintf("%s, %s; they are skipped", units.Count(t.PresentFiles, "file"), units.Bytes(t.PresentBytes)))
	}
	if n := len(d.plan.Downloaded); n > 0 {
		body = append(body, fmt.Sprintf("downloaded %s, checked by go", units.Count(n, "missing version")))
	}
	if n := len(d.plan.GoMods); n > 0 {
		body = append(body, st.Dim.Render(fmt.Sprintf("fetched %s for the module graph", units.Count(n, "missing go.mod file"))))
	}
	if n := len(d.plan.ToDownload); n > 0 {
		body = append(body, st.WarnText.Render(fmt.Sprintf("+ %s not in the cache yet (their zips)", units.Count(n, "version"))),
			st.Dim.Render("enter has go download them (it checks each), then plans again"))
	}
	if n := len(d.plan.SumDB); n > 0 {
		body = append(body, st.Dim.Render(fmt.Sprintf("checksum database: %s, so clients keep GOSUMDB on offline", units.Count(n, "cached file"))))
	}
	body = append(body, capped(st, d.plan.Refused, 5, "refused", func(r mirror.Refusal) string {
		return st.DangerText.Render("refused ") + r.String()
	})...)
	hints := []string{"esc", "cancel"}
	switch {
	case len(d.plan.ToDownload) > 0:
		hints = append([]string{"enter", "download, then plan"}, hints...)
	case len(d.plan.Versions) > 0:
		hints = append([]string{"enter", "push"}, hints...)
	default:
		body = append(body, "", st.WarnText.Render("nothing to push"))
	}
	return d.box(title, body, keyHint(st, hints...))
}

func (d *pushDialog) runningView(title string) string {
	p := d.push.Progress()
	return d.progressView(title, p.Fraction(),
		fmt.Sprintf("%s of %s · %s/s · %d/%d files (%d already there)", d.st.Bold.Render(units.Bytes(p.Bytes)),
			units.Bytes(p.BytesTotal), units.Bytes(int64(p.BytesPerSec)), p.Files, p.FilesTotal, p.Skipped),
		p.Current, "stop")
}

func (d *pushDialog) doneView(title string) string {
	st := d.st
	if d.result == nil {
		return d.failed(title, d.err, "enter")
	}
	r := d.result
	head := st.OKText.Render("✓ ") + fmt.Sprintf("pushed %s, %s in %s; %d already there; %s written",
		units.Count(r.Sent, "file"), units.Bytes(r.Bytes), units.Elapsed(r.Elapsed), r.Skipped, units.Count(r.Lists, "list"))
	switch {
	case len(r.Failures) > 0:
		head = st.DangerText.Render(fmt.Sprintf("✗ %s failed", units.Count(len(r.Failures), "file"))) + fmt.Sprintf("; %d pushed", r.Sent)
	case d.err != nil:
		head = st.WarnText.Render("stopped: ") + fmt.Sprintf("%d pushed; push again to finish (what is there is skipped)", r.Sent)
	}
	body := []string{head}
	if d.err != nil { // the push stopped early: say why
		body = append(body, st.DangerText.Render(errorLine(d.err)))
	}
	body = append(body, capped(st, r.Failures, 4, "failed", func(f *mirror.FileError) string {
		return st.DangerText.Render("✗ ") + f.Error()
	})...)
	if env := d.plan.Settings.Env(); len(env) > 0 && len(r.Failures) == 0 && d.err == nil {
		body = append(body, "", "clients use it with:")
		for _, kv := range env {
			body = append(body, "  "+st.Bold.Render(kv))
		}
	}
	for _, n := range d.plan.Settings.Notes {
		body = append(body, st.WarnText.Render("• ")+n)
	}
	return d.box(title, body, keyHint(st, "enter", "close"))
}
