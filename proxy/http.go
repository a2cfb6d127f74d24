package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

const userAgent = "modcache"

// newHTTPClient returns a copy of base (or a fresh client) that refuses
// redirects from https to anything weaker: net/http keeps the Authorization
// header on a same-host redirect, so a downgrade would send the password in
// clear text. The go command has the same rule.
func newHTTPClient(base *http.Client) *http.Client {
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone() // dial and TLS timeouts, HTTPS_PROXY
		t.MaxIdleConnsPerHost = 8                            // lookups fan out to one host
		base = &http.Client{Transport: t}
	}
	c := *base
	next := base.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
			return fmt.Errorf("redirected from https to insecure %s", displayName(req.URL))
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c
}

// openHTTP GETs rel under the remote's base URL. A non-2xx answer becomes a
// *statusError carrying the start of the body, which is where proxies put
// the reason.
func (c *Client) openHTTP(ctx context.Context, r Remote, rel string, query url.Values) (io.ReadCloser, error) {
	base, err := url.Parse(r.URL)
	if err != nil {
		return nil, err
	}
	// rel is already escaped by the module rules and holds only characters
	// that are legal in a URL path, so it goes into RawPath unchanged; that
	// keeps '!' literal, as it is in the files of a static tree.
	u := *base
	u.Path = strings.TrimSuffix(base.Path, "/") + "/" + rel
	u.RawPath = strings.TrimSuffix(base.EscapedPath(), "/") + "/" + rel
	if query != nil {
		u.RawQuery = query.Encode()
	}
	if u.Scheme != "https" && u.User != nil {
		return nil, errors.New("refusing to send credentials over plain http")
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("User-Agent", userAgent)
	// Credentials written into the URL win over netrc (net/http sends them
	// itself); netrc is consulted for https only.
	if u.User == nil {
		if login, password, ok := c.Credentials(&u); ok {
			hreq.SetBasicAuth(login, password)
		}
	}
	resp, err := c.hc.Do(hreq)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		head, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return nil, &statusError{code: resp.StatusCode, detail: BodyDetail(head)}
	}
	return resp.Body, nil
}
