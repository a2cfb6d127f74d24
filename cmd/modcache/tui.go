package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/mirror"

	"github.com/modcache/modcache/ui"
)

// runTUI opens the terminal UI on the module cache.
func (a *app) runTUI(cmd *cobra.Command, args []string) error {
	opts, err := a.uiOptions()
	if err != nil {
		return err
	}
	defer opts.Store.Close()
	return ui.Run(opts)
}

// uiOptions gathers what the UI shows: the cache and the sources.
func (a *app) uiOptions() (ui.Options, error) {
	root, err := a.root()
	if err != nil {
		return ui.Options{}, err
	}
	sources, err := a.sources()
	if err != nil {
		return ui.Options{}, err
	}
	lookup, err := a.remoteLookup()
	if err != nil {
		return ui.Options{}, err
	}
	cfg, err := a.config()
	if err != nil {
		return ui.Options{}, err
	}
	var mirrors []ui.Mirror
	for _, name := range cfg.MirrorNames() {
		mirrors = append(mirrors, ui.Mirror{Name: name, URL: cfg.Mirrors[name].URL})
	}
	return ui.Options{
		Store:         ui.NewStore(root, a.scanOptions()),
		Sources:       sources,
		RemoteTimeout: cfg.RemoteTimeout(),
		Breaker:       &a.breaker,
		Actions: ui.Actions{
			PrunePolicy: a.configuredPolicy,
			Lookup:      lookup,
			GoEnv:       a.childEnv(),
			Mirrors:     mirrors,
			OpenTarget: func(ctx context.Context, to string) (mirror.Target, error) {
				return a.openMirror(ctx, to, false)
			},
			MemoDir: a.memoDir(),
		},
	}, nil
}

// configuredPolicy is the TUI's one-key prune: the config's [prune]
// section, with the pins of its keep-projects. With no goal there, the
// default goal applies, and the section's protections still do.
func (a *app) configuredPolicy(ctx context.Context, root string) (cache.Policy, []string, error) {
	cfg, pol, err := a.configPolicy()
	if err != nil {
		return cache.Policy{}, nil, err
	}
	pol, notes := pol.OrDefaultGoal()
	pinNotes, err := a.pinProjects(ctx, &pol, root, nil, cfg.Prune.Projects)
	return pol, append(notes, pinNotes...), err
}
