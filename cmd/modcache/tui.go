package main

import (
	"fmt"
	"sort"

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

// uiOptions gathers what the UI shows: the cache, and as remotes every
// GOPROXY entry followed by the config's named mirrors.
func (a *app) uiOptions() (ui.Options, error) {
	root, err := a.root()
	if err != nil {
		return ui.Options{}, err
	}
	cfg, err := a.config()
	if err != nil {
		return ui.Options{}, err
	}
	client, err := a.proxyClient()
	if err != nil {
		return ui.Options{}, err
	}
	sources := ui.ProxySources(client)
	names := make([]string, 0, len(cfg.Mirrors))
	for n := range cfg.Mirrors {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		src, err := ui.NamedSource(client, n, cfg.Mirrors[n].URL)
		if err != nil {
			return ui.Options{}, fmt.Errorf("config: mirrors.%s: %v", n, err)
		}
		sources = append(sources, src)
	}
	return ui.Options{
		Store:   ui.NewStore(root, a.scanOptions()),
		Sources: sources,
	}, nil
}
