package gocmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Downloaded is one object of `go mod download -json`: what was asked
// (Query, when it was not a version), what go resolved it to, and go's
// reason when it could not get it.
type Downloaded struct {
	Path, Version, Query string
	Error                string
}

// Reason is the first line of go's error without the "path@version: " it
// starts with, since a Downloaded names its module already. A checksum
// mismatch keeps the evidence go gives on the lines after (the hash that
// came down, the one recorded) and go's warning, shortened.
func (d Downloaded) Reason() string {
	r, rest, _ := strings.Cut(d.Error, "\n")
	for _, v := range []string{d.Version, d.Query} {
		if v != "" {
			r = strings.TrimPrefix(r, d.Path+"@"+v+": ")
		}
	}
	if !strings.HasSuffix(r, "checksum mismatch") {
		return r
	}
	var hashes []string
	for _, l := range strings.Split(rest, "\n") {
		// "downloaded: h1:…", "sum.golang.org: h1:…", "go.sum:     h1:…"
		if k, v, ok := strings.Cut(strings.TrimSpace(l), ":"); ok && strings.HasPrefix(strings.TrimSpace(v), "h1:") {
			hashes = append(hashes, k+" "+strings.TrimSpace(v))
		}
	}
	if len(hashes) > 0 {
		r += " (" + strings.Join(hashes, ", ") + ")"
	}
	return r + ": SECURITY ERROR, the download is not what was recorded: the proxy served other content, or someone tampered with it"
}

// ModDownload runs `go mod download -json args...` in dir, traced into
// gets (which may be nil), and returns go's answer for each module. A
// module go could not get is reported in its Error; the error is go's
// only when it reported nothing at all (it could not run, or a bad flag).
func ModDownload(ctx context.Context, dir string, env []string, gets *GetCounter, args ...string) ([]Downloaded, error) {
	out, runErr := Run(ctx, dir, env, gets.Writer(), append(append([]string{"mod", "download", "-json"}, gets.Flags()...), args...)...)
	ds, err := parseDownloads(out)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 && runErr != nil {
		return nil, runErr
	}
	return ds, nil
}

// ModList runs `go list -m -json -e args...` in dir, traced into gets
// (which may be nil): for PATH@VERSION arguments go fetches each
// version's .info and .mod, checked against the checksum database as go
// mod download checks them, but not its zip. It is how a module graph is
// loaded without downloading the code of every module in it. The answers
// are Downloaded, as ModDownload's are: a replaced module is named by its
// replacement, and main modules and modules replaced by a directory, which
// have nothing to download, are left out.
func ModList(ctx context.Context, dir string, env []string, gets *GetCounter, args ...string) ([]Downloaded, error) {
	out, runErr := Run(ctx, dir, env, gets.Writer(), append(append([]string{"list", "-m", "-json", "-e"}, gets.Flags()...), args...)...)
	// go list reports a failure as an object, go mod download as a string.
	type listed struct {
		Path, Version, GoMod string
		Error                *struct{ Err string }
	}
	ls, err := decodeAll[struct {
		listed
		Replace *listed
	}](out, "go list -m -json")
	if err != nil {
		return nil, err
	}
	var ds []Downloaded
	for _, l := range ls {
		if r := l.Replace; r != nil {
			if r.Error == nil {
				r.Error = l.Error
			}
			l.listed = *r
		}
		if l.Version == "" && l.Error == nil {
			continue // a main module, or replaced by a directory
		}
		d := Downloaded{Path: l.Path, Version: l.Version}
		switch {
		case l.Error != nil:
			d.Error = l.Error.Err
		case l.GoMod == "":
			// go list reports a go.mod it could not load (missing, or
			// failing its checksum) by leaving GoMod out, not as an error.
			d.Error = "go could not get its go.mod (not served, or failing its checksum); go mod download " + l.Path + "@" + l.Version + " says why"
		}
		ds = append(ds, d)
	}
	if len(ds) == 0 && runErr != nil {
		return nil, runErr
	}
	return ds, nil
}

// parseDownloads reads the stream of objects `go mod download -json`
// prints, which go writes even when some modules fail.
func parseDownloads(out []byte) ([]Downloaded, error) {
	return decodeAll[Downloaded](out, "go mod download -json")
}

// decodeAll reads a stream of JSON objects, as go's -json flags print.
func decodeAll[T any](out []byte, cmd string) ([]T, error) {
	var all []T
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var v T
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return all, nil
		}
		if err != nil {
			return all, fmt.Errorf("%s: unexpected output: %v", cmd, err)
		}
		all = append(all, v)
	}
}

// lineWriter calls fn with each complete line written to it. exec.Cmd
// copies a child's stderr from one goroutine, so Writes never overlap.
type lineWriter struct {
	buf []byte
	fn  func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.fn(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

// GetCounter follows the -x trace on go's standard error, where go prints
// "# get URL" when a download starts and "# get URL: 200 OK (0.1s)" when
// it ends. It is how a long go mod download shows progress: go prints
// nothing else until the end. It counts the files fetched and keeps the
// URL go is on, for progress lines polled from another goroutine.
type GetCounter struct {
	mu      sync.Mutex
	fetched int
	current string
}

// Flags are the flags that make go trace its fetches: -x for a counter,
// none for nil, so callers can pass an optional counter straight through.
func (c *GetCounter) Flags() []string {
	if c == nil {
		return nil
	}
	return []string{"-x"}
}

// Writer is the stderr writer to give Run along with Flags; nil for a nil
// counter.
func (c *GetCounter) Writer() io.Writer {
	if c == nil {
		return nil
	}
	return &lineWriter{fn: func(line string) {
		line, ok := strings.CutPrefix(line, "# get ")
		if !ok {
			return
		}
		url, answer, ended := strings.Cut(line, ": ")
		c.mu.Lock()
		defer c.mu.Unlock()
		switch {
		case !ended:
			c.current = url
		case url == c.current:
			c.current = "" // go is on to something else: extracting, say
		}
		// "200 OK (0.1s)" counts; a 404 or a dial error fetched nothing.
		if ended && strings.HasPrefix(answer, "2") {
			c.fetched++
		}
	}}
}

// Reset starts the count again, for a new stage of work.
func (c *GetCounter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fetched, c.current = 0, ""
}

// Get returns how many files go has fetched and the URL it is waiting on,
// if any. A nil counter has fetched nothing.
func (c *GetCounter) Get() (fetched int, current string) {
	if c == nil {
		return 0, ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fetched, c.current
}
