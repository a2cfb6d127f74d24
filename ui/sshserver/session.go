package sshserver

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"golang.org/x/crypto/ssh"

	"github.com/modcache/modcache/ui"
)

// endReason is why a session ended, when it was not the user quitting.
type endReason string

const (
	endQuit         endReason = "quit"
	endIdle         endReason = "idle"
	endShutdown     endReason = "shutdown"
	endDisconnected endReason = "disconnected"
	endNoPty        endReason = "no-pty"
	endNoShell      endReason = "no-shell"
	endError        endReason = "error"
)

// noPtyMessage is all a session without a terminal gets.
const noPtyMessage = "modcache needs a terminal: ssh -t ..."

// session is one SSH session channel and the program drawn on it.
type session struct {
	srv   *Server
	conn  *ssh.ServerConn
	write bool
	start time.Time

	ctx    context.Context
	cancel context.CancelFunc // kills the program: the last resort

	term terminal // only the request loop touches it

	mu       sync.Mutex
	ch       ssh.Channel  // set once, before any request is read
	prog     *tea.Program // nil until the shell starts
	reason   endReason    // set by whoever ends the session first
	over     bool         // the program has returned
	actions  []string
	idle     *time.Timer
	finished chan struct{} // closed when the program goroutine is done
}

func newSession(s *Server, conn *ssh.ServerConn) *session {
	ctx, cancel := context.WithCancel(context.Background())
	return &session{
		srv:      s,
		conn:     conn,
		write:    conn.Permissions.Extensions[extWrite] == "true",
		start:    time.Now(),
		ctx:      ctx,
		cancel:   cancel,
		finished: make(chan struct{}),
	}
}

// serve answers the channel's requests until the channel closes, then
// makes sure the program is gone and logs the session.
func (ss *session) serve(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ss.srv.removeSession(ss)
	ss.mu.Lock()
	ss.ch = ch
	ended := ss.reason != ""
	ss.mu.Unlock()
	if ended { // the server closed between accepting and now
		ch.Close()
	}
	started := false
	for req := range reqs {
		ok := false
		switch req.Type {
		case "pty-req":
			ok = !started && ss.term.setPty(req.Payload)
		case "env":
			ok = !started && ss.term.setEnv(req.Payload)
		case "window-change":
			if w, h, valid := parseWindowChange(req.Payload); valid {
				ss.resize(w, h)
			}
			ok = true
		case "shell":
			if started {
				break
			}
			started = true
			// Answer before the first byte of output, as sshd does.
			req.Reply(true, nil)
			ss.startShell()
			continue
		}
		// exec and subsystem fall through here: modcache runs nothing
		// but its TUI.
		if req.WantReply {
			req.Reply(ok, nil)
		}
	}
	// The channel is closed: by us when the program ended, or by the
	// client going away while it ran.
	if started {
		ss.end(endDisconnected)
		<-ss.finished
	} else {
		ss.setReason(endNoShell)
		ss.cancel()
		ch.Close()
	}
	ss.logEnd()
}

// startShell runs the program, or turns away a session with no terminal.
func (ss *session) startShell() {
	if !ss.term.pty {
		ss.setReason(endNoPty)
		fmt.Fprintln(ss.ch.Stderr(), noPtyMessage)
		ss.exit(1)
		close(ss.finished)
		return
	}
	opts := ss.srv.cfg.NewOptions(ss.write)
	opts.ReadOnly = opts.ReadOnly || !ss.write
	// Sessions share the server's store; the server scans, not each login.
	opts.NoRescan = true
	next := opts.OnAction
	opts.OnAction = func(desc string) {
		ss.mu.Lock()
		ss.actions = append(ss.actions, desc)
		ss.mu.Unlock()
		if next != nil {
			next(desc)
		}
	}
	env := ss.term.environ()
	opts.Environ = env
	model := ui.New(opts)
	p := tea.NewProgram(model,
		tea.WithInput(&input{r: ss.ch, s: ss}),
		tea.WithOutput(onlcr{ss.ch}),
		tea.WithEnvironment(env),
		tea.WithWindowSize(ss.term.width, ss.term.height),
		// The client's terminal decides the colours, not the server's.
		tea.WithColorProfile(colorprofile.Env(env)),
		// Signals belong to the server: SIGINT must not end one session.
		tea.WithoutSignalHandler(),
		tea.WithContext(ss.ctx),
	)
	ss.mu.Lock()
	if ss.reason != "" { // ended before it began (shutdown)
		ss.mu.Unlock()
		go ss.finish(nil, model)
		return
	}
	ss.prog = p
	if d := ss.srv.cfg.IdleTimeout; d > 0 {
		ss.idle = time.AfterFunc(d, func() { ss.end(endIdle) })
	}
	ss.mu.Unlock()
	go ss.finish(p, model)
}

// finish runs the program to its end, then tells the client why it ended
// and with what status, and closes the channel.
func (ss *session) finish(p *tea.Program, m *ui.Model) {
	defer close(ss.finished)
	var err error
	if p != nil {
		_, err = p.Run()
	}
	m.Close()
	ss.cancel()
	ss.mu.Lock()
	ss.over = true
	if ss.idle != nil {
		ss.idle.Stop()
	}
	if ss.reason == "" {
		ss.reason = endQuit
		if err != nil {
			ss.reason = endError
		}
	}
	reason := ss.reason
	ss.mu.Unlock()

	// The program has left the alternate screen, so this line stays on
	// the client's terminal, which is in raw mode: hence \r\n.
	var status uint32
	switch reason {
	case endIdle:
		fmt.Fprintf(ss.ch.Stderr(), "modcache: closed after %v without input\r\n", ss.srv.cfg.IdleTimeout)
		status = 1
	case endShutdown:
		fmt.Fprint(ss.ch.Stderr(), "modcache: the server is shutting down\r\n")
		status = 1
	case endError:
		fmt.Fprintf(ss.ch.Stderr(), "modcache: %v\r\n", err)
		status = 1
	}
	ss.exit(status)
}

// exit sends the exit status and closes the channel.
func (ss *session) exit(status uint32) {
	ss.ch.SendRequest("exit-status", false, ssh.Marshal(exitStatus{status}))
	ss.ch.Close()
}

// end asks the program to quit for reason, and kills it if it has not
// within quitGrace. The first reason wins; a session that is already over
// is left alone.
func (ss *session) end(reason endReason) {
	ss.mu.Lock()
	if ss.over || ss.reason != "" {
		ss.mu.Unlock()
		return
	}
	ss.reason = reason
	p, ch := ss.prog, ss.ch
	ss.mu.Unlock()
	if p == nil {
		// No program yet: closing the channel ends the request loop.
		ss.cancel()
		if ch != nil {
			ch.Close()
		}
		return
	}
	// Quit, unlike a kill, lets the program restore the client's screen.
	go p.Quit()
	time.AfterFunc(quitGrace, ss.cancel)
}

func (ss *session) setReason(r endReason) {
	ss.mu.Lock()
	if ss.reason == "" {
		ss.reason = r
	}
	ss.mu.Unlock()
}

// resize passes a window-change to the program. It is sent in order from
// the request loop, so the last size the client sent is the one drawn.
func (ss *session) resize(w, h int) {
	ss.term.width, ss.term.height = w, h
	ss.mu.Lock()
	p := ss.prog
	ss.mu.Unlock()
	if p != nil {
		p.Send(tea.WindowSizeMsg{Width: w, Height: h})
	}
}

// input is the program's keyboard: the channel, noting each keystroke for
// the idle timeout.
type input struct {
	r io.Reader
	s *session
}

func (in *input) Read(p []byte) (int, error) {
	n, err := in.r.Read(p)
	if n > 0 {
		in.s.mu.Lock()
		if in.s.idle != nil {
			in.s.idle.Reset(in.s.srv.cfg.IdleTimeout)
		}
		in.s.mu.Unlock()
	}
	if err != nil {
		// The client closed its input: nobody can type any more, and
		// bubbletea would wait for keys for ever.
		in.s.end(endDisconnected)
	}
	return n, err
}
