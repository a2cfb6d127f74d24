package ui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/progress"
	tea "charm.land/bubbletea/v2"
	"golang.org/x/mod/module"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/units"
)

// pruneDialog previews and runs a prune: the configured policy (P) or the
// eviction of marked versions (d). Both build a cache.Plan, exactly what
// `modcache prune --dry-run` prints, and run it with a cache.Pruner.
type pruneDialog struct {
	st     *Styles
	width  int
	height int

	marks []module.Version // nil for the policy prune
	mode  cache.Mode       // evictions: dir or full, chosen in the dialog
	force bool             // evictions: include irreplaceable versions

	stage   pruneStage
	policy  string
	notes   []string
	plan    *cache.Plan
	err     error
	cancel  context.CancelFunc
	pruner  *cache.Pruner
	result  *cache.PruneResult
	bar     progress.Model
	started time.Time

	wait waiter
}

type pruneStage int

const (
	stagePlanning pruneStage = iota
	stagePreview
	stageConfirmForce // second confirmation for irreplaceable versions
	stageRunning
	stageDone
)

type planDoneMsg struct {
	plan  *cache.Plan
	notes []string
	err   error
}

type pruneDoneMsg struct {
	res *cache.PruneResult
	err error
}

func newPruneDialog(m *Model, marks []module.Version) *pruneDialog {
	d := &pruneDialog{marks: marks, mode: cache.ModeDir}
	d.bar = progress.New(progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'))
	return d
}

func (d *pruneDialog) setSize(w, h int) { d.width, d.height = w, h; d.bar.SetWidth(min(60, w-14)) }
func (d *pruneDialog) setStyles(st *Styles) {
	d.st = st
	d.bar.FullColor, d.bar.EmptyColor = st.Accent, st.Muted
}
func (d *pruneDialog) busy() bool { return d.stage == stagePlanning || d.stage == stageRunning }

func (d *pruneDialog) start(m *Model) tea.Cmd { return d.replan(m) }

// replan computes the plan in the background: remote lookups may take a
// while, and the screen must not freeze meanwhile.
func (d *pruneDialog) replan(m *Model) tea.Cmd {
	d.stage, d.plan, d.err = stagePlanning, nil, nil
	if d.cancel != nil {
		d.cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	c := m.state.Cache
	root := m.store.Root()
	acts := m.opts.Actions
	marks, mode, force := d.marks, d.mode, d.force
	return func() tea.Msg {
		if c == nil {
			return planDoneMsg{err: fmt.Errorf("the cache has not been scanned yet")}
		}
		if marks != nil {
			pol := cache.Policy{Mode: mode, Force: force}
			var avail cache.Replaceable
			if mode != cache.ModeDir && acts.Lookup != nil {
				avail = cache.AskRemotes(ctx, marks, acts.Lookup)
			}
			return planDoneMsg{plan: cache.PlanEvict(c, marks, pol, avail)}
		}
		pol, notes, ok := DefaultPrunePolicy(), []string(nil), false
		if acts.PrunePolicy != nil {
			p, n, configured, err := acts.PrunePolicy(ctx, root)
			if err != nil {
				return planDoneMsg{err: err}
			}
			pol, notes, ok = p, n, configured
		}
		if !ok {
			pol = DefaultPrunePolicy()
			notes = append(notes, "no [prune] policy in the config: using the default, trees unused for 30 days (lossless)")
		}
		plan, err := cache.PlanPruneRemote(ctx, c, pol, acts.Lookup)
		if plan != nil {
			plan.Notes = append(notes, plan.Notes...)
		}
		return planDoneMsg{plan: plan, err: err}
	}
}

func (d *pruneDialog) update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case planDoneMsg:
		if d.stage != stagePlanning {
			return nil
		}
		d.plan, d.err = msg.plan, msg.err
		d.stage = stagePreview
		return nil
	case pruneDoneMsg:
		d.result, d.err = msg.res, msg.err
		d.stage = stageDone
		if msg.res != nil {
			m.refresh()
			for _, a := range msg.res.Done {
				delete(m.local.marks, moduleVersion(a.Path, a.Version))
			}
		}
		return nil
	case tea.KeyPressMsg:
		return d.key(m, msg)
	}
	return nil
}

func (d *pruneDialog) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	k := msg.String()
	switch d.stage {
	case stagePlanning:
		if k == "esc" || k == "q" {
			d.cancel()
			m.closeDialog()
		}
	case stagePreview:
		switch {
		case k == "esc" || k == "q":
			m.closeDialog()
		case k == "enter" && d.err == nil && d.plan != nil && d.work() > 0:
			return d.run(m)
		case k == "tab" && d.marks != nil:
			// Evictions choose their tier: dir keeps the zip, full does not.
			if d.mode == cache.ModeDir {
				d.mode = cache.ModeFull
			} else {
				d.mode, d.force = cache.ModeDir, false
			}
			return d.replan(m)
		case k == "!" && d.marks != nil && d.mode == cache.ModeFull && d.irreplaceableKept() > 0:
			d.stage = stageConfirmForce
		}
	case stageConfirmForce:
		if k == "y" {
			d.force = true
			return d.replan(m)
		}
		d.stage = stagePreview
	case stageRunning:
		if k == "esc" || k == "ctrl+c" {
			// The pruner stops between versions; the cache stays sound.
			d.cancel()
		}
	case stageDone:
		if k == "esc" || k == "enter" || k == "q" {
			m.closeDialog()
		}
	}
	return nil
}

// work is the number of things the plan removes.
func (d *pruneDialog) work() int {
	return len(d.plan.Actions) + len(d.plan.Strays) + len(d.plan.VCS)
}

func (d *pruneDialog) irreplaceableKept() int {
	n := 0
	for _, k := range d.plan.Kept {
		if k.Reason == cache.KeptIrreplaceable || k.Reason == cache.KeptUnverified {
			n++
		}
	}
	return n
}

// run takes the store's single write slot and executes the plan.
func (d *pruneDialog) run(m *Model) tea.Cmd {
	if m.opts.ReadOnly {
		d.err = fmt.Errorf("read-only session: pruning is not allowed")
		return nil
	}
	d.stage, d.started = stageRunning, time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	plan, root := d.plan, m.store.Root()
	d.pruner = cache.NewPruner(root, plan, cache.PruneOptions{})
	what := fmt.Sprintf("prune: %d items, %s", d.work(), units.Bytes(plan.Bytes))
	if d.marks != nil {
		what = fmt.Sprintf("evict %d marked (%s): %s", len(d.marks), d.mode, units.Bytes(plan.Bytes))
	}
	pruner := d.pruner
	return m.writeAction(ctx, what, &d.wait, func() tea.Msg {
		res, err := pruner.Run(ctx)
		// Update the shared store here, not in the dialog: if this session
		// ends mid-prune the others must still see the result.
		if res != nil {
			m.store.Update(func(c *cache.Cache) { c.Apply(res) })
		}
		return pruneDoneMsg{res: res, err: err}
	}, func(err error) tea.Msg { return pruneDoneMsg{err: err} })
}

func (d *pruneDialog) poll(m *Model) tea.Cmd { return nil }

func (d *pruneDialog) view() string {
	st := d.st
	title := "Prune"
	if d.marks != nil {
		title = fmt.Sprintf("Evict %d marked version(s)", len(d.marks))
	}
	switch d.stage {
	case stagePlanning:
		return box(st, d.width, d.height, title, []string{st.Dim.Render("planning: reading the policy and asking remotes which versions they still serve…")},
			keyHint(st, "esc", "cancel"))
	case stageConfirmForce:
		n := d.irreplaceableKept()
		return box(st, d.width, d.height, title+": irreplaceable versions", []string{
			st.DangerText.Render(fmt.Sprintf("%d marked version(s) are served by no remote (or none could be asked).", n)),
			"Removing them whole loses them: go cannot fetch them again.",
			"",
			"Remove them anyway?",
		}, keyHint(st, "y", "yes, remove them", "any other key", "no"))
	case stageRunning:
		return d.runningView(title)
	case stageDone:
		return d.doneView(title)
	}
	return d.previewView(title)
}

func (d *pruneDialog) previewView(title string) string {
	st := d.st
	if d.err != nil {
		return box(st, d.width, d.height, title, []string{st.DangerText.Render("✗ " + d.err.Error())}, keyHint(st, "esc", "close"))
	}
	p := d.plan
	var body []string
	if d.marks != nil {
		dir, full := "dir", "full"
		if d.mode == cache.ModeDir {
			dir = st.Cursor.Render(" dir ")
			full = " " + full + " "
		} else {
			full = st.Cursor.Render(" full ")
			dir = " " + dir + " "
		}
		body = append(body, "mode "+dir+full, st.Dim.Render("dir drops the tree and keeps the zip: lossless, go re-extracts offline"),
			st.Dim.Render("full removes the whole version: go must download it again"))
	} else {
		body = append(body, st.Dim.Render("policy ")+p.Policy)
	}
	dirN, fullN := p.Count()
	summary := fmt.Sprintf("frees %s · %d tree(s) (dir) · %d whole version(s) (full)", st.Bold.Render(units.Bytes(p.Bytes)), dirN, fullN)
	if n := len(p.Strays); n > 0 {
		summary += fmt.Sprintf(" · %d leftover(s)", n)
	}
	if n := len(p.VCS); n > 0 {
		summary += fmt.Sprintf(" · %d VCS clone(s)", n)
	}
	body = append(body, summary)
	if p.Goal != "" {
		met := st.OKText.Render("✓ met")
		if !p.Met {
			met = st.WarnText.Render("✗ not met: everything evictable is not enough")
		}
		body = append(body, st.Dim.Render("goal ")+p.Goal+"  "+met)
	}
	if len(p.Actions) > 0 {
		body = append(body, "", st.Bold.Render("largest"))
		now := time.Now()
		for _, a := range p.Largest(5) {
			mode := st.Dim.Render(fmt.Sprintf("%-4s", a.Mode))
			if a.Mode == cache.ModeFull {
				mode = st.WarnText.Render("full")
			}
			irr := ""
			if a.Irreplaceable {
				irr = st.DangerText.Render(" irreplaceable")
			}
			body = append(body, fmt.Sprintf("  %8s %s %4s  %s@%s%s", units.Bytes(a.Bytes), mode,
				units.Age(a.Used, now), a.Path, a.Version, irr))
		}
		if n := len(p.Actions) - 5; n > 0 {
			body = append(body, st.Dim.Render(fmt.Sprintf("  … and %d more", n)))
		}
	}
	if kept := keptSummary(p); kept != "" {
		body = append(body, "", st.Dim.Render("kept ")+kept)
	}
	for _, n := range p.Notes {
		body = append(body, st.WarnText.Render("• ")+n)
	}
	var hints []string
	if d.work() > 0 {
		verb := "prune"
		if d.marks != nil {
			verb = "evict"
		}
		hints = append(hints, "enter", verb)
	} else {
		body = append(body, "", st.OKText.Render("nothing to do"))
	}
	if d.marks != nil {
		hints = append(hints, "tab", "dir/full")
		if d.mode == cache.ModeFull && d.irreplaceableKept() > 0 {
			hints = append(hints, "!", "include irreplaceable")
		}
	}
	hints = append(hints, "esc", "cancel")
	return box(st, d.width, d.height, title, body, keyHint(st, hints...))
}

func keptSummary(p *cache.Plan) string {
	by := p.ByReason()
	reasons := make([]string, 0, len(by))
	for r := range by {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	var parts []string
	for _, r := range reasons {
		parts = append(parts, fmt.Sprintf("%d %s", by[r], r))
	}
	return strings.Join(parts, " · ")
}

func (d *pruneDialog) runningView(title string) string {
	st := d.st
	if holder := d.wait.get(); holder != "" {
		return box(st, d.width, d.height, title, waitingBody(st, holder), keyHint(st, "esc", "give up"))
	}
	pr := d.pruner.Progress()
	frac := float64(pr.Freed) / float64(max(1, pr.Bytes))
	if pr.Bytes == 0 && pr.Total > 0 {
		frac = float64(pr.Done) / float64(pr.Total)
	}
	return box(st, d.width, d.height, title, []string{
		d.bar.ViewAs(frac),
		fmt.Sprintf("freed %s of %s · %d/%d", st.Bold.Render(units.Bytes(pr.Freed)), units.Bytes(pr.Bytes), pr.Done, pr.Total),
		st.Dim.Render(pr.Current),
	}, keyHint(st, "esc", "stop after this version"))
}

func (d *pruneDialog) doneView(title string) string {
	st := d.st
	if d.err != nil && d.result == nil {
		return box(st, d.width, d.height, title, []string{st.DangerText.Render("✗ " + d.err.Error())}, keyHint(st, "enter", "close"))
	}
	r := d.result
	var dir, full int
	for _, a := range r.Done {
		if a.Mode == cache.ModeFull {
			full++
		} else {
			dir++
		}
	}
	head := st.OKText.Render("✓ ") + fmt.Sprintf("freed %s: %d tree(s), %d whole version(s)", st.Bold.Render(units.Bytes(r.Freed)), dir, full)
	if n := len(r.Strays); n > 0 {
		head += fmt.Sprintf(", %d leftover(s)", n)
	}
	if r.Cancelled {
		head = st.WarnText.Render("stopped: ") + fmt.Sprintf("freed %s; the cache is sound and P carries on", units.Bytes(r.Freed))
	}
	body := []string{head, st.Dim.Render(fmt.Sprintf("took %s", time.Since(d.started).Round(100*time.Millisecond)))}
	for i, s := range r.Skipped {
		if i == 4 {
			body = append(body, st.Dim.Render(fmt.Sprintf("… and %d more skipped", len(r.Skipped)-4)))
			break
		}
		body = append(body, st.WarnText.Render("skipped ")+s.Item+": "+s.Reason)
	}
	for i, err := range r.Errors {
		if i == 4 {
			body = append(body, st.Dim.Render(fmt.Sprintf("… and %d more errors", len(r.Errors)-4)))
			break
		}
		body = append(body, st.DangerText.Render("✗ ")+err.Error())
	}
	return box(st, d.width, d.height, title, body, keyHint(st, "enter", "close"))
}
