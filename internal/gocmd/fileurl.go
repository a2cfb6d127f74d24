package gocmd

import (
	"net/url"
	"path/filepath"
	"strings"
)

// FileURL is the file:// GOPROXY URL of an absolute path, as go itself
// writes one (cmd/go/internal/web.urlFromFilePath) on every OS:
// file:///C:/x for a drive, file://host/share/x for a UNC path, anything a
// URL cannot hold escaped.
func FileURL(p string) string { return slashFileURL(filepath.ToSlash(p)) }

func slashFileURL(s string) string {
	u := &url.URL{Scheme: "file"}
	switch {
	case strings.HasPrefix(s, "//"): // \\host\share\x
		host, rest, _ := strings.Cut(s[2:], "/")
		u.Host, u.Path = host, "/"+rest
	case strings.HasPrefix(s, "/"):
		u.Path = s
	default: // C:/x
		u.Path = "/" + s
	}
	// go splits GOPROXY at commas and pipes; escaping covers pipes only.
	return strings.ReplaceAll(u.String(), ",", "%2C")
}
