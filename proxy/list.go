package proxy

import (
	"errors"
	"fmt"
	"net/url"
	pathpkg "path"
	"path/filepath"
	"runtime"
	"strings"
)

// Kind says how a Remote is reached.
type Kind int

const (
	KindHTTP   Kind = iota // http:// or https://
	KindFile               // file:///abs/path
	KindDirect             // "direct": go fetches from version control
	KindOff                // "off": go may not download at all
)

func (k Kind) String() string {
	switch k {
	case KindHTTP:
		return "http"
	case KindFile:
		return "file"
	case KindDirect:
		return "direct"
	case KindOff:
		return "off"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Remote is one GOPROXY entry, or a mirror given by URL. Make one with
// ParseRemote or ParseList, which set Kind to match the URL.
type Remote struct {
	// Name is for display and error messages: the URL without its
	// credentials, and without "https://" since that is what a bare
	// GOPROXY entry means. Callers may set their own, e.g. a mirror's name.
	Name string
	URL  string // as configured, credentials included
	Kind Kind

	// FallbackOnError is true when this entry was followed by '|' in
	// GOPROXY: any error moves on to the next entry, not only not-found.
	FallbackOnError bool
}

func (r Remote) String() string { return r.Name }

// ParseList splits a GOPROXY value the way the go command does. Empty means
// DefaultGOPROXY. Entries after "direct" or "off" are dropped, since the go
// command never reaches them.
func ParseList(goproxy string) ([]Remote, error) {
	if goproxy == "" {
		goproxy = DefaultGOPROXY
	}
	var list []Remote
	for rest := goproxy; rest != ""; {
		entry, fallback := rest, false
		if i := strings.IndexAny(rest, ",|"); i >= 0 {
			entry, fallback, rest = rest[:i], rest[i] == '|', rest[i+1:]
		} else {
			rest = ""
		}
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		r, err := ParseRemote(entry)
		if err != nil {
			return nil, fmt.Errorf("GOPROXY: %w", err)
		}
		r.FallbackOnError = fallback
		list = append(list, r)
		if r.Kind == KindDirect || r.Kind == KindOff {
			list[len(list)-1].FallbackOnError = false
			break
		}
	}
	if len(list) == 0 {
		return nil, errors.New("GOPROXY list is not the empty string, but contains no entries")
	}
	return list, nil
}

// ParseRemote parses one GOPROXY entry or mirror URL: "direct", "off", an
// http(s) URL, a host with no scheme (meaning https) or file:///abs/path.
func ParseRemote(s string) (Remote, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "direct":
		return Remote{Name: "direct", URL: "direct", Kind: KindDirect}, nil
	case "off":
		return Remote{Name: "off", URL: "off", Kind: KindOff}, nil
	}
	// The go command's rule: single words are reserved for built-in
	// behaviours, and anything with ":/" or an absolute path must be a full
	// URL. Everything else gets https.
	if strings.ContainsAny(s, ".:/") && !strings.Contains(s, ":/") && !filepath.IsAbs(s) && !pathpkg.IsAbs(s) {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return Remote{}, fmt.Errorf("invalid proxy URL %q", RedactURL(s))
	}
	r := Remote{Name: displayName(u), URL: s}
	switch u.Scheme {
	case "https", "http":
		if u.Host == "" {
			return Remote{}, fmt.Errorf("invalid proxy URL %s: no host", r.Name)
		}
		r.Kind = KindHTTP
	case "file":
		if _, err := FilePath(u); err != nil {
			return Remote{}, err
		}
		r.Kind = KindFile
	case "":
		return Remote{}, fmt.Errorf("invalid proxy URL missing scheme: %s", r.Name)
	default:
		return Remote{}, fmt.Errorf("invalid proxy URL scheme %q (must be https, http or file): %s", u.Scheme, r.Name)
	}
	return r, nil
}

// FilePath returns the local path a file:// URL names (or any URL of that
// shape: mirrors take athens:// and bundle:// too). Like the go command we
// take a path only: a host would mean a UNC share on Windows and nothing
// sensible elsewhere, so we reject it rather than guess.
func FilePath(u *url.URL) (string, error) {
	name := displayName(u)
	if u.Host != "" {
		return "", fmt.Errorf("invalid %s:// URL %s: names host %q; use %[1]s:///absolute/path", u.Scheme, name, u.Host)
	}
	if u.Opaque != "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Path == "" {
		return "", fmt.Errorf("invalid %s:// URL %s: want %[1]s:///absolute/path", u.Scheme, name)
	}
	p := u.Path
	// file:///C:/x has path "/C:/x"; the drive letter starts the real path.
	if runtime.GOOS == "windows" && len(p) > 1 && filepath.VolumeName(p[1:]) != "" {
		p = p[1:]
	}
	p = filepath.FromSlash(p)
	if !filepath.IsAbs(p) {
		return "", fmt.Errorf("invalid %s:// URL %s: path is not absolute", u.Scheme, name)
	}
	return p, nil
}

// displayName drops credentials from u but keeps a marker that there were
// some, so two otherwise equal remotes are not confused.
func displayName(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User("xxxxx")
	}
	s := c.String()
	if c.Scheme == "https" {
		s = strings.TrimPrefix(s, "https://")
	}
	return s
}

// RedactURL is displayName for text that did not parse as a URL: it
// hides everything between the scheme and the last '@'.
func RedactURL(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if i := strings.LastIndexByte(rest, '@'); ok && i >= 0 {
		return scheme + "://xxxxx" + rest[i:]
	}
	return s
}
