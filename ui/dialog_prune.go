package ui

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/mod/module"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/units"
)

// pruneDialog previews and runs a prune: the configured policy (P) or the
// eviction of marked versions (d). Both build a cache.Plan, exactly what
// `modcache prune --dry-run` prints, and run it with a cache.Pruner.
type pruneDialog struct {
	dialogBase

	marks []module.Version // nil for the policy prune
	mode  cache.Mode       // evictions: dir or full, chosen in the dialog
	// Evictions: ! (confirmed) includes what the plan protects. Each is
	// its own confirmation: a version may show as recent first and as
	// irreplaceable only once recency no longer keeps it.
	forceRecent, forceIrreplaceable bool
	// avail is what the remotes said of the marks, asked once: tab and y
	// plan again with the same marks.
	avail cache.Replaceable

	stage pruneStage
	gen   int // bumped by each replan
	plan  *cache.Plan
	// Worked out from plan once, not per frame: a plan keeps every
	// version it spares, tens of thousands on a big cache.
	largest       []cache.Action
	summary, kept string
	irreplaceable int // kept because no remote serves them (again)
	recent        int // kept because they were used within the grace period
	err           error
	pruner        *cache.Pruner
	result        *cache.PruneResult
	started       time.Time
	took          time.Duration
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
	gen   int // which replan it answers: only the latest counts
	plan  *cache.Plan
	avail cache.Replaceable // the remotes' answers the plan used, if asked
	err   error
}

type pruneDoneMsg struct {
	res *cache.PruneResult
	err error
}

func newPruneDialog(marks []module.Version) *pruneDialog {
	return &pruneDialog{dialogBase: newDialogBase(), marks: marks, mode: cache.ModeDir}
}

func (d *pruneDialog) busy() bool { return d.stage == stagePlanning || d.stage == stageRunning }

func (d *pruneDialog) writing() bool { return d.stage == stageRunning }

func (d *pruneDialog) start(m *Model) tea.Cmd { return d.replan(m) }

// forcible counts the marked versions the plan keeps that ! would evict:
// irreplaceable ones (when evicting whole) and recently used ones.
func (d *pruneDialog) forcible() int {
	if d.marks == nil {
		return 0
	}
	n := 0
	if !d.forceRecent {
		n += d.recent
	}
	if d.mode == cache.ModeFull && !d.forceIrreplaceable {
		n += d.irreplaceable
	}
	return n
}

// replan computes the plan in the background: remote lookups may take a
// while, and the screen must not freeze meanwhile.
func (d *pruneDialog) replan(m *Model) tea.Cmd {
	d.stage, d.plan, d.err = stagePlanning, nil, nil
	d.gen++
	gen := d.gen
	ctx := d.background()
	c := m.state.Cache
	root := m.store.Root()
	acts := m.opts.Actions
	marks, mode, avail := d.marks, d.mode, d.avail
	forceRecent, forceIrreplaceable := d.forceRecent, d.forceIrreplaceable
	return m.work(d, func() tea.Msg {
		if c == nil {
			return planDoneMsg{gen: gen, err: fmt.Errorf("the cache has not been scanned yet")}
		}
		if marks != nil {
			pol := cache.Policy{Mode: mode, Force: forceIrreplaceable}
			if forceRecent {
				pol.Grace = -1 // only what a go command holds right now stays
			}
			if avail == nil && mode != cache.ModeDir && acts.Lookup != nil {
				avail = cache.AskRemotes(ctx, marks, acts.Lookup)
			}
			return planDoneMsg{gen: gen, plan: cache.PlanEvict(c, marks, pol, avail), avail: avail}
		}
		pol, notes := cache.Policy{}.OrDefaultGoal()
		if acts.PrunePolicy != nil {
			var err error
			if pol, notes, err = acts.PrunePolicy(ctx, root); err != nil {
				return planDoneMsg{gen: gen, err: err}
			}
		}
		plan, err := cache.PlanPruneRemote(ctx, c, pol, acts.Lookup)
		if plan != nil {
			plan.Notes = append(notes, plan.Notes...)
		}
		return planDoneMsg{gen: gen, plan: plan, err: err}
	})
}

func (d *pruneDialog) update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case planDoneMsg:
		if d.stage != stagePlanning || msg.gen != d.gen {
			return nil // a replan superseded it
		}
		d.plan, d.err = msg.plan, msg.err
		if msg.avail != nil {
			d.avail = msg.avail // complete: this plan's work was not cancelled
		}
		if p := d.plan; p != nil {
			by := p.ByReason()
			d.largest, d.summary, d.kept = p.Largest(5), p.Summary(), p.KeptSummary()
			d.irreplaceable = by[cache.KeptIrreplaceable] + by[cache.KeptUnverified]
			d.recent = by[cache.KeptRecent]
		}
		d.stage = stagePreview
		return nil
	case pruneDoneMsg:
		d.result, d.err = msg.res, msg.err
		d.took = time.Since(d.started)
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
			m.closeDialog()
		}
	case stagePreview:
		switch {
		case k == "esc" || k == "q":
			m.closeDialog()
		case k == "enter" && d.err == nil && d.plan != nil && d.plan.Items() > 0:
			return d.run(m)
		case k == "tab" && d.marks != nil:
			// Evictions choose their tier: dir keeps the zip, full does not.
			// What ! allowed was confirmed for the other mode: ask again.
			d.forceRecent, d.forceIrreplaceable = false, false
			if d.mode == cache.ModeDir {
				d.mode = cache.ModeFull
			} else {
				d.mode = cache.ModeDir
			}
			return d.replan(m)
		case k == "!" && d.forcible() > 0:
			d.stage = stageConfirmForce
		}
	case stageConfirmForce:
		if k == "y" {
			// Exactly what the warning named.
			d.forceRecent = d.forceRecent || d.recent > 0
			d.forceIrreplaceable = d.forceIrreplaceable || (d.mode == cache.ModeFull && d.irreplaceable > 0)
			return d.replan(m)
		}
		d.stage = stagePreview
	case stageRunning:
		if k == "esc" || k == "ctrl+c" {
			// The pruner stops between versions; the cache stays sound.
			d.stop()
		}
	case stageDone:
		if k == "esc" || k == "enter" || k == "q" {
			m.closeDialog()
		}
	}
	return nil
}

// run takes the store's single write slot and executes the plan.
func (d *pruneDialog) run(m *Model) tea.Cmd {
	if m.opts.ReadOnly {
		d.err = fmt.Errorf("read-only session: pruning is not allowed")
		return nil
	}
	d.stage, d.started = stageRunning, time.Now()
	ctx := d.background()
	plan, root := d.plan, m.store.Root()
	d.pruner = cache.NewPruner(root, plan, cache.PruneOptions{})
	what := fmt.Sprintf("prune: %d items, %s", d.plan.Items(), units.Bytes(plan.Bytes))
	if d.marks != nil {
		what = fmt.Sprintf("evict %d marked (%s): %s", len(d.marks), d.mode, units.Bytes(plan.Bytes))
	}
	pruner := d.pruner
	return m.writeAction(ctx, d, what, &d.wait, func() tea.Msg {
		res, err := pruner.Run(ctx)
		// Update the shared store here, not in the dialog: if this session
		// ends mid-prune the others must still see the result.
		if res != nil {
			m.store.Update(func(c *cache.Cache) { c.Apply(res) })
		}
		return pruneDoneMsg{res: res, err: err}
	}, func(err error) tea.Msg { return pruneDoneMsg{err: err} })
}

func (d *pruneDialog) view() string {
	st := d.st
	title := "Prune"
	if d.marks != nil {
		title = fmt.Sprintf("Evict %s", units.Count(len(d.marks), "marked version"))
	}
	switch d.stage {
	case stagePlanning:
		return d.box(title, []string{st.Dim.Render("planning: reading the policy and asking remotes which versions they still serve…")},
			keyHint(st, "esc", "cancel"))
	case stageConfirmForce:
		var body []string
		if n := d.irreplaceable; n > 0 && d.mode == cache.ModeFull && !d.forceIrreplaceable {
			body = append(body,
				st.DangerText.Render(fmt.Sprintf("%s: served by no remote (or none could be asked).", units.Count(n, "marked version"))),
				"Removing them whole loses them: go cannot fetch them again.", "")
		}
		if n := d.recent; n > 0 && !d.forceRecent {
			body = append(body,
				st.WarnText.Render(fmt.Sprintf("%s used within the last %s.", units.Count(n, "marked version"), units.Duration(cache.DefaultGrace))),
				"A build running right now may be reading them.", "")
		}
		body = append(body, "Remove them anyway?")
		return d.box(title+": protected versions", body, keyHint(st, "y", "yes, remove them", "any other key", "no"))
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
		return d.failed(title, d.err, "esc")
	}
	p := d.plan
	var body []string
	if d.marks != nil {
		dir, full := "dir", "full"
		if d.mode == cache.ModeDir {
			dir = st.choice("dir")
			full = " " + full + " "
		} else {
			full = st.choice("full")
			dir = " " + dir + " "
		}
		body = append(body, "mode "+dir+full, st.Dim.Render("dir drops the tree and keeps the zip: lossless, go re-extracts offline"),
			st.Dim.Render("full removes the whole version: go must download it again"))
	} else {
		body = append(body, st.Dim.Render("policy ")+p.Policy)
	}
	body = append(body, "frees "+st.Bold.Render(units.Bytes(p.Bytes))+" · "+d.summary)
	if p.Goal != "" {
		met := st.OKText.Render("✓ this plan meets it")
		if !p.Met {
			met = st.WarnText.Render("✗ this plan falls short (see below)")
		}
		body = append(body, st.Dim.Render("goal ")+p.Goal+"  "+met)
	}
	if len(p.Actions) > 0 {
		body = append(body, "", st.Bold.Render("largest"))
		now := time.Now()
		for _, a := range d.largest {
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
	if d.kept != "" {
		body = append(body, "", st.Dim.Render("kept ")+d.kept)
	}
	for _, n := range p.Notes {
		body = append(body, st.WarnText.Render("• ")+n)
	}
	var hints []string
	if d.plan.Items() > 0 {
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
		if d.forcible() > 0 {
			hints = append(hints, "!", "include protected")
		}
	}
	hints = append(hints, "esc", "cancel")
	return d.box(title, body, keyHint(st, hints...))
}

func (d *pruneDialog) runningView(title string) string {
	pr := d.pruner.Progress()
	return d.progressView(title, pr.Fraction(),
		fmt.Sprintf("freed %s of %s · %d/%d", d.st.Bold.Render(units.Bytes(pr.Freed)), units.Bytes(pr.Bytes), pr.Done, pr.Total),
		pr.Current, "stop after this version")
}

func (d *pruneDialog) doneView(title string) string {
	st := d.st
	if d.err != nil && d.result == nil {
		return d.failed(title, d.err, "enter")
	}
	r := d.result
	head := st.OKText.Render("✓ ") + fmt.Sprintf("freed %s: %s", st.Bold.Render(units.Bytes(r.Freed)), r.Summary())
	if r.Cancelled {
		head = st.WarnText.Render("stopped: ") + fmt.Sprintf("freed %s; the cache is sound and P carries on", units.Bytes(r.Freed))
	}
	body := []string{head, st.Dim.Render(fmt.Sprintf("took %s", units.Elapsed(d.took)))}
	body = append(body, capped(st, r.Skipped, 4, "skipped", func(s cache.Skip) string {
		return st.WarnText.Render("skipped ") + s.Item + ": " + s.Reason
	})...)
	body = append(body, capped(st, r.Errors, 4, "errors", func(err error) string {
		return st.DangerText.Render("✗ ") + err.Error()
	})...)
	return d.box(title, body, keyHint(st, "enter", "close"))
}
