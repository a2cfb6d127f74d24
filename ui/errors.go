package ui

import (
	"context"
	"errors"
)

// errorLine is an error as one line for a pane.
func errorLine(err error) string {
	if err == nil {
		return ""
	}
	if errors.Is(err, context.Canceled) {
		return "stopped before it finished"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out: " + err.Error()
	}
	return err.Error()
}
