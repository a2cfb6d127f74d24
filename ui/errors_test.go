package ui

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestErrorLine: one printable line, with a stop and a timeout said in
// words a user knows.
func TestErrorLine(t *testing.T) {
	for err, want := range map[error]string{
		nil: "",
		fmt.Errorf("fetch: %w", context.Canceled):        "stopped before it finished",
		fmt.Errorf("list: %w", context.DeadlineExceeded): "timed out: list: context deadline exceeded",
		errors.New("500: \x1b[2Jgone\r\nback"):           "500: \ufffd[2Jgone back",
	} {
		if got := errorLine(err); got != want {
			t.Errorf("errorLine(%q) = %q, want %q", err, got, want)
		}
	}
}
