// Package gocmd runs the go command for modcache and turns its failures
// into one line a person can act on.
package gocmd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
)

// Error is a go command that failed.
type Error struct {
	Args   []string
	Dir    string
	Reason string // the line of go's output that says why
}

func (e *Error) Error() string {
	return fmt.Sprintf("go %s (in %s): %s", strings.Join(e.Args, " "), e.Dir, e.Reason)
}

// Run runs go with args in dir and env and returns its standard output.
// stderr, when not nil, also receives go's standard error as it comes (for
// progress). A failure is an *Error, or ctx's error once ctx is done.
func Run(ctx context.Context, dir string, env []string, stderr io.Writer, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errb
	if stderr != nil {
		cmd.Stderr = io.MultiWriter(&errb, stderr)
	}
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return out.Bytes(), ctx.Err()
		}
		reason := failureReason(errb.String())
		if reason == "" {
			reason = err.Error()
		}
		// -x only feeds progress; the command a person would retry lacks it.
		shown := slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "-x" })
		return out.Bytes(), &Error{Args: shown, Dir: dir, Reason: reason}
	}
	return out.Bytes(), nil
}

// failureReason picks the line of go's standard error that says why it failed.
// go ends with its reason as a rule ("go: x@v1: reading ...: 404"), but
// some failures trail an explanation (a checksum mismatch ends with "For
// more information, see 'go help module-auth'.") and -x traces ("# get
// ...") or "go: downloading" lines may come after. So: the last line that
// is not indented, not a trace or download note, and has a "what: why"
// shape; failing that, the last line that is not blank.
func failureReason(stderr string) string {
	var last, shaped string
	more := false // the shaped line ends in ':' and its indented lines follow
	for line := range strings.SplitSeq(stderr, "\n") {
		line = strings.TrimRight(line, " \t\r")
		if strings.TrimSpace(line) == "" {
			more = false
			continue
		}
		last = strings.TrimSpace(line)
		if line[0] == ' ' || line[0] == '\t' {
			// "...; to update it:" then "\tgo work use": the fix is part
			// of the reason.
			if more {
				shaped += " " + last
			}
			continue
		}
		more = false
		if line[0] == '#' || strings.HasPrefix(line, "go: downloading ") {
			continue
		}
		if strings.Contains(line, ": ") {
			shaped, more = line, strings.HasSuffix(line, ":")
		}
	}
	if shaped != "" {
		return shaped
	}
	return last
}
