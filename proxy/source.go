package proxy

import "context"

// Source is anything that can be browsed like a GOPROXY: one entry of the
// user's GOPROXY list, or a named mirror (the mirror package adds S3 and
// Athens layouts). The TUI's right pane and `modcache remote` both show
// sources.
type Source interface {
	Name() string
	// Unavailable says why the source cannot be browsed ("" when it can):
	// direct means version control, off means offline.
	Unavailable() string
	// Private reports whether the go command fetches path directly
	// (GOPRIVATE/GONOPROXY), so this source is never asked about it.
	Private(path string) bool
	Versions(ctx context.Context, path string) ([]string, error)
	Latest(ctx context.Context, path string) (*Info, error)
	GoMod(ctx context.Context, path, version string) ([]byte, error)
	// Catalog lists every module the source holds, or fails with an error
	// matching ErrNoCatalog when it cannot enumerate.
	Catalog(ctx context.Context) ([]string, error)
}

// remoteSource is a GOPROXY protocol remote (https, http or file).
type remoteSource struct {
	c    *Client
	r    Remote
	name string
}

// Sources returns one source per entry of the client's GOPROXY list.
func (c *Client) Sources() []Source {
	var out []Source
	for _, r := range c.remotes {
		out = append(out, &remoteSource{c: c, r: r, name: r.Name})
	}
	return out
}

// NamedSource is a mirror reached over the GOPROXY protocol (file://,
// http:// or https://), shown as "name (url)".
func (c *Client) NamedSource(name, url string) (Source, error) {
	r, err := ParseRemote(url)
	if err != nil {
		return nil, err
	}
	return &remoteSource{c: c, r: r, name: name + " (" + r.Name + ")"}, nil
}

func (s *remoteSource) Name() string { return s.name }

func (s *remoteSource) Unavailable() string {
	switch s.r.Kind {
	case KindDirect:
		return "direct: go fetches from version control here; there is nothing to browse"
	case KindOff:
		return "off: GOPROXY=off forbids downloads"
	}
	return ""
}

// Private only applies to network remotes: a local file tree leaks nothing.
func (s *remoteSource) Private(path string) bool {
	return s.r.Kind == KindHTTP && s.c.Private(path)
}

func (s *remoteSource) Versions(ctx context.Context, path string) ([]string, error) {
	return s.c.List(ctx, s.r, path)
}

func (s *remoteSource) Latest(ctx context.Context, path string) (*Info, error) {
	return s.c.Latest(ctx, s.r, path)
}

func (s *remoteSource) GoMod(ctx context.Context, path, version string) ([]byte, error) {
	return s.c.GoMod(ctx, s.r, path, version)
}

func (s *remoteSource) Catalog(ctx context.Context) ([]string, error) {
	return s.c.Catalog(ctx, s.r)
}

// chainSource is the whole GOPROXY list as go uses it: each request goes
// down the list with the comma/pipe fallback rules.
type chainSource struct{ c *Client }

// Chain returns the GOPROXY list as one source, for questions such as "what
// is the latest version go would see".
func (c *Client) Chain() Source { return chainSource{c} }

func (s chainSource) Name() string        { return "GOPROXY" }
func (s chainSource) Unavailable() string { return "" }
func (s chainSource) Private(path string) bool {
	return s.c.Private(path)
}

func (s chainSource) Versions(ctx context.Context, path string) ([]string, error) {
	v, _, err := s.c.ListChain(ctx, path)
	return v, err
}

func (s chainSource) Latest(ctx context.Context, path string) (*Info, error) {
	i, _, err := s.c.LatestChain(ctx, path)
	return i, err
}

func (s chainSource) GoMod(ctx context.Context, path, version string) ([]byte, error) {
	b, _, err := s.c.GoModChain(ctx, path, version)
	return b, err
}

func (s chainSource) Catalog(ctx context.Context) ([]string, error) { return nil, ErrNoCatalog }
