package ui

import (
	"context"
	"errors"

	"github.com/modcache/modcache/proxy"
)

// errorLine is an error as one line for a pane or a dialog, safe to put on
// the terminal: errors quote what remotes and mirrors answered, which may
// hold escape sequences or carriage returns (proxy.Printable).
func errorLine(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.Canceled):
		return "stopped before it finished"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out: " + proxy.Printable(err.Error())
	}
	return proxy.Printable(err.Error())
}
