package main

import (
	"fmt"
	"io"
	"net"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/crypto/ssh"

	"github.com/modcache/modcache/internal/units"
	"github.com/modcache/modcache/ui"
	"github.com/modcache/modcache/ui/sshserver"
)

func init() { commands = append(commands, (*app).serveCommand) }

// defaultIdleTimeout closes sessions someone forgot in a terminal tab.
const defaultIdleTimeout = "30m"

type serveFlags struct {
	ssh, authorizedKeys, hostKey string
	allowWrite                   bool
	maxSessions                  int
	idleTimeout, log             string
}

func (a *app) serveCommand() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve --ssh ADDR --authorized-keys FILE",
		Short: "Serve the terminal UI over SSH",
		Long: `serve runs an SSH server whose only program is modcache's terminal UI for
this machine's module cache, so the people who look after a build server's
cache need no shell account on it: they run ssh -p PORT HOST.

Logins are by public key only, from an OpenSSH authorized_keys file, which
is read again at every login. Sessions are read-only: prune, evict, push,
fetch and repair are not offered, and refused if their keys are pressed.
A key whose authorized_keys line starts with the option modcache-write
gets them, as does every key with --allow-write. Keys with options the server cannot
honour (from=, command=, no-pty...) are refused.

All sessions share one scan of the cache; a prune in one shows in the
others. Only one write action runs at a time; the next waits for it.

Without --host-key an ed25519 host key is generated on first start and
kept, readable by its owner only, in
$XDG_CONFIG_HOME/modcache/ssh_host_ed25519_key (or the OS's config dir).

The [serve] section of the config sets max-sessions, idle-timeout and log;
flags override it. Each session is logged as one line when it ends: key
fingerprint, address, duration and the write actions it ran.`,
		Example: `  modcache serve --ssh :2222 --authorized-keys ~/.ssh/authorized_keys
  ssh -p 2222 cache-host                # from another machine`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runServe(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.ssh, "ssh", "", "serve SSH on `ADDR` (:2222, 127.0.0.1:2222)")
	fl.StringVar(&f.authorizedKeys, "authorized-keys", "", "OpenSSH authorized_keys `FILE` naming the keys that may log in")
	fl.StringVar(&f.hostKey, "host-key", "", "host private key `FILE` (default: generated in the config dir)")
	fl.BoolVar(&f.allowWrite, "allow-write", false, "let every authorized key prune, evict, push and fetch")
	fl.IntVar(&f.maxSessions, "max-sessions", sshserver.DefaultMaxSessions, "at most `N` sessions at once")
	fl.StringVar(&f.idleTimeout, "idle-timeout", defaultIdleTimeout, "close sessions without input for `DURATION`; 0 never")
	fl.StringVar(&f.log, "log", "", "append the session log to `FILE` (default: stderr)")
	return cmd
}

func (a *app) runServe(cmd *cobra.Command, f serveFlags) error {
	if f.ssh == "" {
		return usagef(cmd, "serve needs --ssh ADDR, the address to listen on")
	}
	if f.authorizedKeys == "" {
		return usagef(cmd, "serve needs --authorized-keys FILE, the keys that may log in")
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	// Flags win over the config, which wins over the defaults.
	changed := cmd.Flags().Changed
	maxSessions := f.maxSessions
	if !changed("max-sessions") && cfg.Serve.MaxSessions > 0 {
		maxSessions = cfg.Serve.MaxSessions
	}
	if maxSessions < 1 {
		return usagef(cmd, "invalid --max-sessions %d: must be at least 1", maxSessions)
	}
	idle := f.idleTimeout
	if !changed("idle-timeout") && cfg.Serve.IdleTimeout != "" {
		idle = cfg.Serve.IdleTimeout
	}
	idleTimeout, err := units.ParseDuration(idle)
	if err != nil {
		return usagef(cmd, "--idle-timeout: %v", err)
	}
	logPath := f.log
	if logPath == "" {
		logPath = cfg.Serve.Log
	}
	var logw io.Writer = a.stderr
	if logPath != "" {
		lf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("session log: %w", err)
		}
		defer lf.Close()
		logw = lf
	}

	opts, err := a.uiOptions()
	if err != nil {
		return err
	}
	defer opts.Store.Close()
	srv, err := sshserver.New(sshserver.Config{
		HostKeyPath:    f.hostKey,
		AuthorizedKeys: f.authorizedKeys,
		AllowWrite:     f.allowWrite,
		MaxSessions:    maxSessions,
		IdleTimeout:    idleTimeout,
		Log:            logw,
		// The server itself makes sessions without a write key read-only.
		NewOptions: func(bool) ui.Options { return opts },
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.ssh)
	if err != nil {
		return err
	}
	// One scan for every session; none rescans on its own.
	opts.Store.Rescan()
	fmt.Fprintf(a.stderr, "modcache: serving %s over SSH on %s (host key %s)\n",
		opts.Store.Root(), ln.Addr(), ssh.FingerprintSHA256(srv.HostKey()))
	// SIGINT and SIGTERM cancel the context: every session ends cleanly
	// and the command exits 0.
	return srv.Serve(cmd.Context(), ln)
}
