package proxy

import (
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// netrcEntry is one machine's credentials.
type netrcEntry struct {
	machine, login, password string
}

// credentials maps a netrc machine to its entry. A machine is matched the
// way go 1.24+ matches GOAUTH credentials: against "host[:port]" followed by
// leading path elements of the request URL, so "corp.example.com/private"
// covers only that part of a host.
type credentials map[string]netrcEntry

// usesNetrc reports whether GOAUTH asks for netrc credentials. GOAUTH is a
// ';'-separated list of commands; we run none of the others (git, custom
// programs), but netrc still applies when it is one of several.
func usesNetrc(goauth string) bool {
	if strings.TrimSpace(goauth) == "" {
		return true // the go command's default
	}
	for cmd := range strings.SplitSeq(goauth, ";") {
		if f := strings.Fields(cmd); len(f) > 0 && f[0] == "netrc" {
			return true
		}
	}
	return false
}

// loadCredentials reads the netrc file for GOAUTH. A missing or unreadable
// file means no credentials, as in the go command, which only mentions such
// problems under -x: a broken netrc must not stop anyone browsing public
// modules.
func loadCredentials(goauth, path string) credentials {
	if !usesNetrc(goauth) {
		return nil
	}
	if path == "" {
		path = netrcPath()
	}
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	creds := credentials{}
	for _, e := range parseNetrc(string(data)) {
		// The first entry for a machine wins, as in the go command.
		if _, ok := creds[e.machine]; !ok {
			creds[e.machine] = e
		}
	}
	return creds
}

func netrcPath() string {
	if p := os.Getenv("NETRC"); p != "" {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	if runtime.GOOS == "windows" {
		if p := filepath.Join(home, "_netrc"); fileExists(p) {
			return p
		}
	}
	return filepath.Join(home, ".netrc")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// parseNetrc reads machine/login/password entries. Tokens may be spread over
// lines in any layout. A macdef body runs to the next blank line and is
// skipped. The default entry is parsed but not returned: the go command
// never sends default credentials, and sending them here would make
// modcache see a proxy differently from go (and hand the password to every
// host).
func parseNetrc(data string) []netrcEntry {
	var out []netrcEntry
	var cur *netrcEntry // nil between entries and inside default
	flush := func() {
		if cur != nil && cur.machine != "" && cur.login != "" && cur.password != "" {
			out = append(out, *cur)
		}
		cur = nil
	}
	lines := strings.Split(data, "\n")
	for i := 0; i < len(lines); i++ {
		f := strings.Fields(lines[i])
		for j := 0; j < len(f); j++ {
			tok := f[j]
			next := ""
			if j+1 < len(f) {
				next = f[j+1]
			}
			switch tok {
			case "machine":
				flush()
				cur = &netrcEntry{machine: next}
				j++
			case "default":
				flush()
				cur = &netrcEntry{} // collects default's tokens, never emitted
			case "login":
				if cur != nil {
					cur.login = next
				}
				j++
			case "password":
				if cur != nil {
					cur.password = next
				}
				j++
			case "account":
				j++
			case "macdef":
				// The macro body starts on the next line and ends at a
				// blank line.
				for i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" {
					i++
				}
				j = len(f)
			}
		}
	}
	flush()
	return out
}

// lookup finds the credentials for an https URL.
func (c credentials) lookup(u *url.URL) (login, password string, ok bool) {
	if len(c) == 0 {
		return "", "", false
	}
	key := strings.TrimSuffix(u.Host+u.EscapedPath(), "/")
	for {
		if e, found := c[key]; found {
			return e.login, e.password, true
		}
		i := strings.LastIndexByte(key, '/')
		if i < 0 {
			return "", "", false
		}
		key = key[:i]
	}
}
