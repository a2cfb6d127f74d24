package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/units"
)

// terminal reports whether w is an interactive terminal, and its width.
func terminal(w any) (bool, int) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return false, 0
	}
	width, _, err := term.GetSize(f.Fd())
	if err != nil || width <= 0 {
		width = 80
	}
	return true, width
}

// progressLine redraws status() on stderr every 100 ms while work runs, but
// only on a terminal and only once the work has taken longer than a
// moment, so quick commands and pipes print nothing extra. The returned
// stop function erases the line.
func (a *app) progressLine(status func() string) (stop func()) {
	tty, width := terminal(a.stderr)
	if !tty {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		delay := time.NewTimer(300 * time.Millisecond)
		defer delay.Stop()
		select {
		case <-done:
			return
		case <-delay.C:
		}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			fmt.Fprint(a.stderr, "\r\x1b[K"+ansi.Truncate(status(), width-1, "…"))
			select {
			case <-done:
				fmt.Fprint(a.stderr, "\r\x1b[K")
				return
			case <-tick.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// scan locates and measures the module cache, with a progress line.
func (a *app) scan(ctx context.Context) (*cache.Cache, error) {
	root, err := a.root()
	if err != nil {
		return nil, err
	}
	s := cache.NewScanner(root, a.scanOptions())
	stop := a.progressLine(func() string {
		p := s.Progress()
		return fmt.Sprintf("scanning %s: %d versions, %d files, %s  %s",
			root, p.Versions, p.Files, units.Bytes(p.Bytes), p.Current)
	})
	c, err := s.Run(ctx)
	stop()
	if err != nil {
		return nil, err
	}
	// A wrong --modcache (a GOPATH, a home) reads as a cache of unknown
	// files; say so once, before the numbers.
	if err := cache.CheckRoot(root); err != nil && (len(c.Unknown) > 0 || len(c.Strays) > 0 || len(c.Modules) > 0) {
		fmt.Fprintf(a.stderr, "modcache: warning: %v\n", err)
	}
	return c, nil
}

// checkCacheRoot refuses, before any scan or plan, a root that is not a
// module cache, for the commands that remove from it (cache.CheckRoot
// guards the removal itself too).
func (a *app) checkCacheRoot() error {
	root, err := a.root()
	if err != nil {
		return err
	}
	return cache.CheckRoot(root)
}

// reportProblems prints what the scan could not read to stderr and turns
// it into exit status 1 after the output, as du does.
func (a *app) reportProblems(c *cache.Cache) error {
	if len(c.Problems) == 0 {
		return nil
	}
	fmt.Fprintf(a.stderr, "modcache: %s could not be read; totals leave them out:\n", units.Count(len(c.Problems), "path"))
	for i, p := range c.Problems {
		if i == 10 {
			fmt.Fprintf(a.stderr, "  … and %d more\n", len(c.Problems)-10)
			break
		}
		fmt.Fprintf(a.stderr, "  %s: %s\n", p.Path, p.Err)
	}
	fmt.Fprintln(a.stderr, "Fix the permissions (for example: chmod -R u+rX DIR) and run again.")
	return exitError{code: exitFailure}
}

// bar draws a progress bar of width cells for frac in [0, 1], in plain
// characters: it goes to a terminal's stderr, which may not draw blocks.
func bar(frac float64, width int) string {
	n := max(0, min(width, int(frac*float64(width)+0.5)))
	return "[" + strings.Repeat("#", n) + strings.Repeat("-", width-n) + "]"
}
