package sshserver

import (
	"bytes"
	"io"

	"golang.org/x/crypto/ssh"
)

// Payloads of the channel requests a session honours (RFC 4254 §6).
type (
	ptyRequest struct {
		Term          string
		Cols, Rows    uint32
		Width, Height uint32 // pixels, unused
		Modes         string
	}
	windowChange struct {
		Cols, Rows    uint32
		Width, Height uint32
	}
	envRequest struct {
		Name, Value string
	}
	exitStatus struct {
		Status uint32
	}
)

// maxCells bounds a side of the screen: the renderer allocates width×height
// cells, and the size comes from the client.
const maxCells = 1000

// terminal is what the client told us about its terminal.
type terminal struct {
	pty           bool // a pty-req came: without one there is no screen to draw on
	term          string
	width, height int
	env           map[string]string
}

// passEnv lists the client variables the program sees: the ones that say
// how to draw (colours, locale). Nothing else of the client's environment
// matters to the TUI, and nothing of the server's belongs in it.
var passEnv = map[string]bool{
	"COLORTERM":            true,
	"NO_COLOR":             true,
	"CLICOLOR":             true,
	"CLICOLOR_FORCE":       true,
	"TERM_PROGRAM":         true,
	"TERM_PROGRAM_VERSION": true,
	"LANG":                 true,
	"LC_ALL":               true,
	"LC_CTYPE":             true,
	"COLORFGBG":            true,
}

// setPty records a pty-req.
func (t *terminal) setPty(payload []byte) bool {
	var r ptyRequest
	if err := ssh.Unmarshal(payload, &r); err != nil {
		return false
	}
	t.pty, t.term = true, r.Term
	if t.term == "" {
		t.term = "xterm"
	}
	t.width, t.height = clampSize(r.Cols, r.Rows)
	return true
}

func parseWindowChange(payload []byte) (w, h int, ok bool) {
	var r windowChange
	if err := ssh.Unmarshal(payload, &r); err != nil {
		return 0, 0, false
	}
	w, h = clampSize(r.Cols, r.Rows)
	return w, h, true
}

// setEnv records an env request; it reports whether the variable is one
// the program uses.
func (t *terminal) setEnv(payload []byte) bool {
	var r envRequest
	if err := ssh.Unmarshal(payload, &r); err != nil || !passEnv[r.Name] {
		return false
	}
	if t.env == nil {
		t.env = map[string]string{}
	}
	t.env[r.Name] = r.Value
	return true
}

// environ is the program's environment: the client's TERM and drawing
// variables only.
func (t *terminal) environ() []string {
	env := []string{"TERM=" + t.term}
	for k, v := range t.env {
		env = append(env, k+"="+v)
	}
	return env
}

// clampSize turns a client's size into one the renderer can use: 80×24
// when the client sent none.
func clampSize(cols, rows uint32) (int, int) {
	w, h := int(min(cols, maxCells)), int(min(rows, maxCells))
	if w == 0 {
		w = 80
	}
	if h == 0 {
		h = 24
	}
	return w, h
}

// onlcr does what a pty's ONLCR setting would: each newline becomes CR LF.
// The program sees no tty on the server side, so bubbletea's renderer
// assumes a newline also returns to column 0, as it does on a pty in
// cooked output mode. The client's terminal is in raw mode, where it does
// not, and the screen would shear to the right line by line.
type onlcr struct{ w io.Writer }

func (o onlcr) Write(p []byte) (int, error) {
	if bytes.IndexByte(p, '\n') < 0 {
		return o.w.Write(p)
	}
	if _, err := o.w.Write(bytes.ReplaceAll(p, []byte("\n"), []byte("\r\n"))); err != nil {
		return 0, err
	}
	return len(p), nil
}
