package proxy

import (
	"context"
	"errors"
)

// The chain operations answer "what would my GOPROXY give go?": they walk
// Remotes() with the go command's fallback rules and say which remote
// answered. For a private module they ask no one and fail with ErrPrivate.

// ListChain is List over the GOPROXY list.
func (c *Client) ListChain(ctx context.Context, path string) ([]string, Remote, error) {
	return tryRemotes(ctx, c, req{op: "list", path: path}, func(r Remote) ([]string, error) {
		return c.List(ctx, r, path)
	})
}

// InfoChain is Info over the GOPROXY list.
func (c *Client) InfoChain(ctx context.Context, path, version string) (*Info, Remote, error) {
	return tryRemotes(ctx, c, req{op: "info", path: path, version: version}, func(r Remote) (*Info, error) {
		return c.Info(ctx, r, path, version)
	})
}

// LatestChain is Latest over the GOPROXY list.
func (c *Client) LatestChain(ctx context.Context, path string) (*Info, Remote, error) {
	return tryRemotes(ctx, c, req{op: "latest", path: path}, func(r Remote) (*Info, error) {
		return c.Latest(ctx, r, path)
	})
}

// GoModChain is GoMod over the GOPROXY list.
func (c *Client) GoModChain(ctx context.Context, path, version string) ([]byte, Remote, error) {
	return tryRemotes(ctx, c, req{op: "mod", path: path, version: version}, func(r Remote) ([]byte, error) {
		return c.GoMod(ctx, r, path, version)
	})
}

// tryRemotes is the go command's TryProxies: try each remote until one
// answers. After an error, go on only if it was not-found, or if the entry
// was followed by '|'. Of several errors, report the most telling one, as go
// does: direct's over a proxy's real failure over a not-found. "off" counts
// as not-found there, so "corp|off" with corp down reports corp.
func tryRemotes[T any](ctx context.Context, c *Client, q req, f func(Remote) (T, error)) (T, Remote, error) {
	var zero T
	if c.Private(q.path) {
		return zero, Remote{}, c.privateError(q)
	}
	const (
		notFoundRank = iota
		proxyRank
		directRank
	)
	var (
		bestErr  error
		bestFrom Remote
		bestRank = notFoundRank
	)
	for _, r := range c.remotes {
		v, err := f(r)
		if err == nil {
			return v, r, nil
		}
		notFound := errors.Is(err, ErrNotFound) || r.Kind == KindOff
		switch {
		case r.Kind == KindDirect:
			bestErr, bestFrom, bestRank = err, r, directRank
		case !notFound && bestRank <= proxyRank:
			bestErr, bestFrom, bestRank = err, r, proxyRank
		case bestRank == notFoundRank:
			bestErr, bestFrom = err, r
		}
		// A cancelled caller wants an answer now, not from the next remote.
		if ctx.Err() != nil || !r.FallbackOnError && !notFound {
			break
		}
	}
	return zero, bestFrom, bestErr
}
