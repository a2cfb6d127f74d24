package main

import (
	"github.com/spf13/cobra"

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
	return ui.Options{
		Store:   ui.NewStore(root, a.scanOptions()),
		Sources: sources,
	}, nil
}
