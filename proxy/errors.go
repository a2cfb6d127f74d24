package proxy

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// Sentinels, for errors.Is. Every error from a Client is an *Error wrapping
// one of these or a more specific cause.
var (
	// ErrNotFound: the remote answered 404 or 410 (or the file is missing).
	// Only this lets a comma-separated GOPROXY fall through.
	ErrNotFound = errors.New("not found")

	// ErrDirect: GOPROXY reached "direct"; go would fetch from version
	// control, which modcache does not do, so there is nothing to browse.
	ErrDirect = errors.New("not browsable: go fetches it directly from version control")

	// ErrOff: GOPROXY reached "off".
	ErrOff = errors.New("GOPROXY=off: offline")

	// ErrPrivate: the module matches GONOPROXY/GOPRIVATE, so go never asks a
	// proxy for it and neither do we (asking would leak its path).
	ErrPrivate = errors.New("private: fetched directly by go, not browsable")

	// ErrNoCatalog: the remote cannot enumerate the modules it holds.
	ErrNoCatalog = errors.New("remote cannot list its modules")
)

// Error is one failed request. Its message is a single line naming the
// remote, what was asked, and what went wrong, e.g.
//
//	proxy.example.com: list example.com/m: 500 Internal Server Error: db down
type Error struct {
	Remote  string // Remote.Name, never carrying credentials
	Op      string // list, info, mod, zip, latest, catalog
	Path    string // module path; empty for catalog
	Version string
	Status  int   // HTTP status, 0 if the request got no answer
	Err     error // cause; for status errors, the first line of the body (may be nil)
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Remote)
	b.WriteString(": ")
	b.WriteString(e.Op)
	if e.Path != "" {
		b.WriteString(" ")
		b.WriteString(e.Path)
		if e.Version != "" {
			b.WriteString("@")
			b.WriteString(e.Version)
		}
	}
	b.WriteString(": ")
	if e.Status != 0 {
		b.WriteString(strconv.Itoa(e.Status))
		if text := http.StatusText(e.Status); text != "" {
			b.WriteString(" ")
			b.WriteString(text)
		}
		if e.Err != nil {
			b.WriteString(": ")
		}
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes a 404 or 410 match ErrNotFound whatever body came with it.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && (e.Status == http.StatusNotFound || e.Status == http.StatusGone)
}

// statusError carries a non-2xx answer from open up to where the request is
// named.
type statusError struct {
	code   int
	detail string // first line of the body, shortened
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.code, http.StatusText(e.code), e.detail)
}

// limitError is an answer cut off at its size limit.
type limitError struct {
	what  string // "response", "zip"
	limit int64
}

func (e *limitError) Error() string {
	return fmt.Sprintf("%s exceeds the %s limit", e.what, sizeString(e.limit))
}

// req names one request for error messages.
type req struct {
	r                 Remote
	op, path, version string
}

// fail turns any error met while serving q into an *Error. ctx is the
// request's own context: when it is done, its cause (a timeout, a stall or the
// caller's cancel) explains the failure better than whatever the transport
// made of it.
func (q req) fail(ctx context.Context, err error) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	e := &Error{Remote: q.r.Name, Op: q.op, Path: q.path, Version: q.version}
	var se *statusError
	switch {
	case errors.As(err, &se):
		e.Status = se.code
		if se.detail != "" {
			e.Err = errors.New(se.detail)
		}
	case ctx != nil && ctx.Err() != nil:
		e.Err = context.Cause(ctx)
	default:
		// net/http puts the full URL into *url.Error, with the user name
		// still in it; the remote is already named, so keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		e.Err = err
	}
	return e
}

// errorf is fail for errors we make ourselves.
func (q req) errorf(format string, args ...any) *Error {
	return q.fail(nil, fmt.Errorf(format, args...))
}

// BodyDetail shortens an answer's body to one line fit for a status bar:
// its first line, or for an HTML page (a sign-in page, nginx's error page)
// its title, made safe to print (see Printable).
func BodyDetail(b []byte) string {
	const max = 200
	s := strings.TrimSpace(string(b))
	if isHTML(s) {
		title := ""
		if _, t, ok := cutFold(s, "<title"); ok {
			if _, t, ok = strings.Cut(t, ">"); ok {
				t, _, _ = cutFold(t, "</title")
				title = Printable(html.UnescapeString(t))
			}
		}
		if title == "" {
			return "an HTML page"
		}
		s = "an HTML page titled \"" + title + "\""
	} else {
		s, _, _ = strings.Cut(strings.TrimLeft(s, "\r\n"), "\n")
		s = Printable(s)
	}
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "") + "…"
	}
	return s
}

func isHTML(s string) bool {
	if !strings.HasPrefix(s, "<") {
		return false
	}
	head := strings.ToLower(s[:min(len(s), 512)])
	return strings.Contains(head, "<html") || strings.Contains(head, "<!doctype html") || strings.Contains(head, "<title")
}

// cutFold is strings.Cut with an ASCII sep matched in any case.
func cutFold(s, sep string) (before, after string, found bool) {
	if i := strings.Index(strings.ToLower(s), sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

// Printable makes text a remote sent (an error body, a deprecation
// message) safe to put on a terminal: control characters (escape
// sequences, carriage returns that overwrite a line, bells, bidi
// overrides) and invalid UTF-8 become U+FFFD, and runs of white space one
// space, so the text stays readable and on one line.
func Printable(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r):
			r = unicode.ReplacementChar
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

func sizeString(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
