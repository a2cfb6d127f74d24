package mirror

import (
	"context"
	"errors"
	"io/fs"

	"github.com/modcache/modcache/proxy"
)

// AsSource shows a target as a browsable remote, so the TUI's right pane
// and `modcache remote` compare a mirror of any layout (S3, Athens, a
// bundle) with the local cache, exactly as they do a GOPROXY entry.
func AsSource(name string, t Target) proxy.Source { return &targetSource{name: name, t: t} }

type targetSource struct {
	name string
	t    Target
}

func (s *targetSource) Name() string             { return s.name + " (" + s.t.String() + ")" }
func (s *targetSource) Unavailable() string      { return "" }
func (s *targetSource) Private(path string) bool { return false } // our own mirror: nothing leaks

func (s *targetSource) Versions(ctx context.Context, path string) ([]string, error) {
	vs, err := s.t.Versions(ctx, path)
	if err == nil && len(vs) == 0 {
		return nil, proxy.ErrNotFound
	}
	return vs, err
}

func (s *targetSource) Latest(ctx context.Context, path string) (*proxy.Info, error) {
	vs, err := s.Versions(ctx, path)
	if err != nil {
		return nil, err
	}
	return &proxy.Info{Version: proxy.PickLatest(vs)}, nil
}

func (s *targetSource) GoMod(ctx context.Context, path, version string) ([]byte, error) {
	name, err := versionName(path, version, KindMod)
	if err != nil {
		return nil, err
	}
	b, err := s.t.Get(ctx, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, proxy.ErrNotFound
	}
	return b, err
}

func (s *targetSource) Catalog(ctx context.Context) ([]string, error) { return s.t.Catalog(ctx) }
