package sshserver

import (
	"strings"
	"time"
)

// logEnd writes the session's one log line: who (key fingerprint, login
// name, address), whether it could write, how long it lasted, the write
// actions it started, and how it ended.
func (ss *session) logEnd() {
	ss.mu.Lock()
	actions := strings.Join(ss.actions, "; ")
	reason := ss.reason
	ss.mu.Unlock()
	ss.srv.log.Info("session",
		"key", ss.conn.Permissions.Extensions[extFingerprint],
		"user", ss.conn.User(),
		"remote", ss.conn.RemoteAddr().String(),
		"write", ss.write,
		"duration", time.Since(ss.start).Round(time.Second).String(),
		"actions", actions,
		"end", string(reason),
	)
}
