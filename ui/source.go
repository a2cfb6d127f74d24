package ui

import (
	"context"
	"errors"

	"github.com/modcache/modcache/proxy"
)

// Source is one remote the right pane can show: an entry of the user's
// GOPROXY or a named mirror from the config.
type Source interface {
	Name() string
	// Unavailable says why the source cannot be browsed ("" when it can):
	// direct means version control, off means offline.
	Unavailable() string
	// Private reports whether the go command fetches path directly
	// (GOPRIVATE/GONOPROXY), so no proxy is asked about it.
	Private(path string) bool
	Versions(ctx context.Context, path string) ([]string, error)
	Latest(ctx context.Context, path string) (*proxy.Info, error)
	GoMod(ctx context.Context, path, version string) ([]byte, error)
	// Catalog lists every module the source holds, or fails with an error
	// matching proxy.ErrNoCatalog when it cannot enumerate.
	Catalog(ctx context.Context) ([]string, error)
}

// proxySource is a GOPROXY protocol remote (https, http or file).
type proxySource struct {
	c    *proxy.Client
	r    proxy.Remote
	name string
}

// ProxySources returns one source per entry of the client's GOPROXY list.
func ProxySources(c *proxy.Client) []Source {
	var out []Source
	for _, r := range c.Remotes() {
		out = append(out, &proxySource{c: c, r: r, name: r.Name})
	}
	return out
}

// NamedSource is a mirror from the config, reached over the GOPROXY
// protocol (file://, http:// or https://).
func NamedSource(c *proxy.Client, name, url string) (Source, error) {
	r, err := proxy.ParseRemote(url)
	if err != nil {
		return nil, err
	}
	return &proxySource{c: c, r: r, name: name + " (" + r.Name + ")"}, nil
}

func (s *proxySource) Name() string { return s.name }

func (s *proxySource) Unavailable() string {
	switch s.r.Kind {
	case proxy.KindDirect:
		return "direct: go fetches from version control here; there is nothing to browse"
	case proxy.KindOff:
		return "off: GOPROXY=off forbids downloads"
	}
	return ""
}

// Private only applies to network remotes: a local file tree leaks nothing.
func (s *proxySource) Private(path string) bool {
	return s.r.Kind == proxy.KindHTTP && s.c.Private(path)
}

func (s *proxySource) Versions(ctx context.Context, path string) ([]string, error) {
	return s.c.List(ctx, s.r, path)
}

func (s *proxySource) Latest(ctx context.Context, path string) (*proxy.Info, error) {
	return s.c.Latest(ctx, s.r, path)
}

func (s *proxySource) GoMod(ctx context.Context, path, version string) ([]byte, error) {
	return s.c.GoMod(ctx, s.r, path, version)
}

func (s *proxySource) Catalog(ctx context.Context) ([]string, error) {
	return s.c.Catalog(ctx, s.r)
}

// errorLine is an error as one line for a pane.
func errorLine(err error) string {
	if err == nil {
		return ""
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out: " + err.Error()
	}
	return err.Error()
}
