package gocmd

import (
	"net/url"
	"strings"
)

// FileURL is the file:// GOPROXY URL of an absolute path, as go accepts
// it on every OS (file:///C:/x on Windows), with anything a URL cannot
// hold escaped.
func FileURL(p string) string {
	s := strings.ReplaceAll(p, `\`, "/")
	if !strings.HasPrefix(s, "/") {
		s = "/" + s
	}
	return (&url.URL{Scheme: "file", Path: s}).String()
}
