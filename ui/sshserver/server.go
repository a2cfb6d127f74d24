// Package sshserver serves modcache's terminal UI over SSH, so the people
// who look after a build server's cache need no shell account on it.
//
// Every session runs its own bubbletea program on the SSH channel, drawn
// for the client's terminal (its size, TERM and colour variables), while
// all sessions share the one cache index the owner puts in ui.Options.
// Logins are by public key from an OpenSSH authorized_keys file, and
// sessions are read-only unless the key carries the modcache-write option
// or the server allows writes to everyone.
//
// It uses golang.org/x/crypto/ssh directly: wish does not support
// bubbletea v2.
package sshserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/modcache/modcache/ui"
)

// Config configures a Server.
type Config struct {
	// Addr is where ListenAndServe listens, such as ":2222".
	Addr string
	// HostKeyPath is the server's private key. Empty means
	// DefaultHostKeyPath, where an ed25519 key is generated on first start.
	HostKeyPath string
	// AuthorizedKeys is an OpenSSH authorized_keys file naming the keys
	// that may log in. It is read again at every login.
	AuthorizedKeys string
	// AllowWrite grants the write actions to every authorized key, not
	// only to those with the modcache-write option.
	AllowWrite bool
	// MaxSessions bounds the sessions open at once; 0 means 16.
	MaxSessions int
	// IdleTimeout ends a session after this long without input; 0 means
	// never.
	IdleTimeout time.Duration
	// MaxAuthTries bounds login attempts per connection; 0 means 6.
	MaxAuthTries int
	// Log gets one line per session when it ends; nil means os.Stderr.
	Log io.Writer
	// NewOptions builds one session's UI; write says whether its key may
	// run write actions. The server sets NoRescan and OnAction itself and
	// forces ReadOnly for keys without write, whatever NewOptions returns.
	NewOptions func(write bool) ui.Options
}

// DefaultMaxSessions is the session limit when Config.MaxSessions is 0.
const DefaultMaxSessions = 16

const (
	defaultMaxAuthTries = 6
	// handshakeTimeout bounds key exchange and login, so connections that
	// never finish cannot pile up.
	handshakeTimeout = 30 * time.Second
	// quitGrace is how long a program has to restore the client's screen
	// when the server ends its session, before it is killed.
	quitGrace = 2 * time.Second
	// lingerTimeout is how long Close lets clients hang up by themselves
	// after their sessions ended, so the last bytes reach them.
	lingerTimeout = time.Second
)

// Server serves the TUI over SSH.
type Server struct {
	cfg     Config
	sshCfg  *ssh.ServerConfig
	hostKey ssh.PublicKey
	log     *slog.Logger

	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]bool
	conns     map[net.Conn]bool
	sessions  map[*session]bool
	connWG    sync.WaitGroup // serveConn goroutines
	sessWG    sync.WaitGroup // session goroutines
	done      chan struct{}  // closed when Close has finished
}

// New checks the configuration, loads (or generates) the host key and
// reads the authorized keys once, so mistakes show at start.
func New(cfg Config) (*Server, error) {
	if cfg.NewOptions == nil {
		return nil, errors.New("sshserver: Config.NewOptions is nil")
	}
	if cfg.AuthorizedKeys == "" {
		return nil, errors.New("no authorized keys file: give one with the keys that may log in")
	}
	if cfg.MaxSessions == 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.MaxAuthTries == 0 {
		cfg.MaxAuthTries = defaultMaxAuthTries
	}
	if cfg.Log == nil {
		cfg.Log = os.Stderr
	}
	s := &Server{
		cfg:       cfg,
		log:       slog.New(slog.NewTextHandler(cfg.Log, nil)),
		listeners: map[net.Listener]bool{},
		conns:     map[net.Conn]bool{},
		sessions:  map[*session]bool{},
		done:      make(chan struct{}),
	}
	_, skipped, err := readAuthorizedKeys(cfg.AuthorizedKeys)
	if err != nil {
		return nil, err
	}
	for _, msg := range skipped {
		s.log.Warn("authorized key refused", "key", msg)
	}
	path, create := cfg.HostKeyPath, cfg.HostKeyPath == ""
	if create {
		if path, err = DefaultHostKeyPath(); err != nil {
			return nil, err
		}
	}
	signer, err := loadHostKey(path, create)
	if err != nil {
		return nil, err
	}
	s.hostKey = signer.PublicKey()
	s.sshCfg = &ssh.ServerConfig{
		PublicKeyCallback: s.checkKey,
		MaxAuthTries:      cfg.MaxAuthTries,
		ServerVersion:     "SSH-2.0-modcache",
	}
	s.sshCfg.AddHostKey(signer)
	return s, nil
}

// HostKey is the server's public host key; its fingerprint is what users
// check on their first connection.
func (s *Server) HostKey() ssh.PublicKey { return s.hostKey }

// ListenAndServe listens on Config.Addr and serves until ctx ends or Close
// is called.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve accepts connections on ln until ctx ends or Close is called, then
// returns nil once every session has ended.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if !s.track(func() { s.listeners[ln] = true }) {
		ln.Close()
		return errors.New("sshserver: server closed")
	}
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.isClosed() {
				<-s.done
				return nil
			}
			s.Close()
			return fmt.Errorf("ssh server: %w", err)
		}
		if !s.track(func() { s.conns[c] = true; s.connWG.Add(1) }) {
			c.Close()
			continue
		}
		go s.serveConn(c)
	}
}

// track runs add under the lock unless the server is closed. WaitGroup
// Adds happen only this way (and in addSession, likewise), so none can
// race with Close's Waits.
func (s *Server) track(add func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	add()
	return true
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// serveConn runs one connection: handshake, login, then its channels.
func (s *Server) serveConn(c net.Conn) {
	defer s.connWG.Done()
	defer func() {
		c.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	conn, chans, reqs, err := ssh.NewServerConn(c, s.sshCfg)
	if err != nil {
		return // scanners, unknown keys, dropped handshakes: nothing to serve
	}
	c.SetDeadline(time.Time{})
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "modcache serves only sessions")
			continue
		}
		sess := newSession(s, conn)
		if reason := s.addSession(sess); reason != "" {
			nc.Reject(ssh.ResourceShortage, reason)
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			s.removeSession(sess)
			continue
		}
		go sess.serve(ch, chReqs)
	}
}

// addSession counts a new session against the limit; a non-empty result
// is why it was refused.
func (s *Server) addSession(sess *session) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return "the server is shutting down"
	case len(s.sessions) >= s.cfg.MaxSessions:
		return fmt.Sprintf("too many sessions (%d); try again later", s.cfg.MaxSessions)
	}
	s.sessions[sess] = true
	s.sessWG.Add(1)
	return ""
}

func (s *Server) removeSession(sess *session) {
	s.mu.Lock()
	delete(s.sessions, sess)
	s.mu.Unlock()
	s.sessWG.Done()
}

// Close stops listening, ends every session (each program quits and
// restores its client's screen, then the channel gets an exit status and
// is closed) and closes the connections. It returns when all of that is
// done; calling it again waits for the first call.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.done
		return nil
	}
	s.closed = true
	for ln := range s.listeners {
		ln.Close()
	}
	var sessions []*session
	for sess := range s.sessions {
		sessions = append(sessions, sess)
	}
	s.mu.Unlock()

	for _, sess := range sessions {
		sess.end(endShutdown)
	}
	s.sessWG.Wait()

	// Clients hang up once their last channel closes; closing their
	// connections first could drop the exit status on the way.
	hungUp := make(chan struct{})
	go func() { s.connWG.Wait(); close(hungUp) }()
	select {
	case <-hungUp:
	case <-time.After(lingerTimeout):
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		<-hungUp
	}
	close(s.done)
	return nil
}
