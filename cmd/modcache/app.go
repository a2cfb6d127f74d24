package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/config"
	"github.com/modcache/modcache/internal/goenv"
	"github.com/modcache/modcache/mirror"
	"github.com/modcache/modcache/proxy"
)

// app holds what every subcommand shares: streams, global flags, and the
// lazily loaded go env, config and cache root.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	modcacheFlag string
	configFlag   string
	noIndex      bool

	env     goenv.Env
	cfg     *config.Config
	cfgPath string // where config() looked, for messages even when no file is there
	client  *proxy.Client
	srcs    []proxy.Source // opened once: the TUI and prune's lookup share them
	// breaker remembers remotes that just failed, for the TUI's pane and
	// prune's lookup alike: one found dead is not waited for again.
	breaker proxy.Breaker
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *app {
	return &app{stdin: stdin, stdout: stdout, stderr: stderr}
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "modcache",
		Short: "See, prune, verify and mirror the Go module cache",
		Long: `modcache shows what is in GOMODCACHE beside what a proxy or mirror holds,
frees disk with pruning that never breaks a build, and pushes exactly the
modules a build needs to a mirror.

With no arguments it opens the terminal UI.`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          a.runTUI,
	}
	root.PersistentFlags().StringVar(&a.modcacheFlag, "modcache", "", "module cache `DIR` (default: go env GOMODCACHE)")
	root.PersistentFlags().StringVar(&a.configFlag, "config", "", "config `FILE` (default: $XDG_CONFIG_HOME/modcache/config.toml)")
	root.PersistentFlags().BoolVar(&a.noIndex, "no-index", false, "measure everything; do not use or update the persisted index")
	// A --modcache that is given but empty or relative is a mistake in
	// the command line: say so as bad usage rather than fall back to go
	// env GOMODCACHE or fail later.
	root.PersistentPreRunE = func(c *cobra.Command, _ []string) error {
		if !c.Flags().Changed("modcache") {
			return nil
		}
		switch {
		case a.modcacheFlag == "":
			return usagef(c, "--modcache is empty: give the module cache DIR, or leave the flag out to use go env GOMODCACHE")
		case !filepath.IsAbs(a.modcacheFlag):
			return usagef(c, "--modcache %s is relative: give an absolute path", a.modcacheFlag)
		}
		return nil
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		// "import BUNDLE --modcache" reads naturally but --modcache names
		// a directory; say what it wants and what happens without it.
		if strings.HasSuffix(err.Error(), "flag needs an argument: --modcache") {
			err = errors.New("--modcache needs a DIR: the module cache to use instead of go env GOMODCACHE (leave it out to use that one)")
		}
		return usageError{cmd: c.CommandPath(), err: err}
	})
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	for _, newCmd := range commands {
		root.AddCommand(newCmd(a))
	}
	for _, c := range root.Commands() {
		wrapArgs(c)
	}
	return root
}

// commands holds the subcommand constructors. Each subcommand's file adds
// itself in an init function, so adding a command touches one file.
var commands []func(*app) *cobra.Command

// wrapArgs turns cobra's argument-count errors into usage errors.
func wrapArgs(c *cobra.Command) {
	if c.Args == nil {
		return
	}
	check := c.Args
	c.Args = func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{cmd: cmd.CommandPath(), err: err}
		}
		return nil
	}
}

// goEnv runs go env once. Without a go command modcache still works from
// the process environment, so the error is only a warning.
func (a *app) goEnv() goenv.Env {
	if a.env == nil {
		env, err := goenv.Run(context.Background(), os.Environ())
		if err != nil {
			fmt.Fprintf(a.stderr, "modcache: warning: %v; using the environment only\n", err)
		}
		a.env = env
	}
	return a.env
}

// config loads the config file once.
func (a *app) config() (*config.Config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	path := a.configFlag
	if path == "" {
		var err error
		if path, err = config.DefaultPath(); err != nil {
			a.cfg = &config.Config{}
			return a.cfg, nil
		}
	} else if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	a.cfgPath = path
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	a.cfg = cfg
	return cfg, nil
}

// root locates the module cache.
func (a *app) root() (string, error) {
	return cache.Locate(a.modcacheFlag, lazyGoEnv{a})
}

// lazyGoEnv runs go env only when asked: Locate needs it only when neither
// --modcache nor $GOMODCACHE is set, and go env costs a process.
type lazyGoEnv struct{ a *app }

func (e lazyGoEnv) Get(key string) string { return e.a.goEnv().Get(key) }

func (a *app) scanOptions() cache.ScanOptions {
	return cache.ScanOptions{NoIndex: a.noIndex, IndexDir: os.Getenv("MODCACHE_INDEX_DIR")}
}

// memoDir is where verify and push remember checked zip hashes (next to
// the scan index); --no-index hashes everything from scratch.
func (a *app) memoDir() string {
	if a.noIndex {
		return cache.ZipHashesOff
	}
	return os.Getenv("MODCACHE_INDEX_DIR")
}

// usagef builds a usage error for cmd.
func usagef(cmd *cobra.Command, format string, args ...any) error {
	return usageError{cmd: cmd.CommandPath(), err: fmt.Errorf(format, args...)}
}

// proxyClient builds the GOPROXY client from go env once.
func (a *app) proxyClient() (*proxy.Client, error) {
	if a.client != nil {
		return a.client, nil
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	pc := proxy.ConfigFromEnv(a.goEnv())
	pc.Timeout = cfg.RemoteTimeout()
	c, err := proxy.New(pc)
	if err != nil {
		return nil, fmt.Errorf("GOPROXY: %w", err)
	}
	a.client = c
	return c, nil
}

// sources are the remotes people browse: every GOPROXY entry, then the
// config's named mirrors in name order.
func (a *app) sources() ([]proxy.Source, error) {
	if a.srcs != nil {
		return a.srcs, nil
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	client, err := a.proxyClient()
	if err != nil {
		return nil, err
	}
	sources := client.Sources()
	for _, n := range cfg.MirrorNames() {
		// GOPROXY-style mirrors are read like any proxy; other layouts (S3,
		// Athens, bundles) through the mirror package.
		src, err := client.NamedSource(n, cfg.Mirrors[n].URL)
		if err != nil {
			t, terr := a.openMirror(context.Background(), n, false)
			if terr != nil {
				return nil, fmt.Errorf("%s: mirrors.%s: %v", cfg.Path, n, terr)
			}
			src = mirror.AsSource(n, t)
		}
		sources = append(sources, src)
	}
	a.srcs = sources
	return sources, nil
}
