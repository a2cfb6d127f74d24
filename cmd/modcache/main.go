// Command modcache shows, prunes, verifies and mirrors the Go module cache.
//
// With no arguments it opens the terminal UI; the subcommands are the same
// operations for scripts and CI. Run `modcache help` for the list.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/modcache/modcache/mirror"
)

// Exit statuses follow the go command: 0 success, 1 failure, 2 bad usage.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := newApp(stdin, stdout, stderr)
	cmd := a.rootCommand()
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ue usageError
	var ee exitError
	var bt *mirror.BadTarget
	switch {
	case errors.As(err, &ee):
		if ee.msg != "" {
			for _, line := range strings.Split(ee.msg, "\n") {
				fmt.Fprintln(stderr, "modcache:", line)
			}
		}
		return ee.code
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "modcache: %v\nRun '%s --help' for usage.\n", ue.err, ue.cmd)
		return exitUsage
	case errors.As(err, &bt):
		fmt.Fprintln(stderr, "modcache:", err)
		return exitUsage
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "modcache: interrupted")
		return exitFailure
	default:
		fmt.Fprintln(stderr, "modcache:", err)
		return exitFailure
	}
}

// usageError is bad input on the command line: exit status 2.
type usageError struct {
	cmd string
	err error
}

func (e usageError) Error() string { return e.err.Error() }

// exitError ends the command with a chosen status after the command has
// already printed what it wanted (for example, findings of verify).
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }
