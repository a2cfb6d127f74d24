package proxy

import "net/url"

// Credentials returns the login the go command would send to u: the netrc
// entry for its host and path, for https URLs only, as GOAUTH allows.
// Mirror targets use it to authenticate their uploads the way go
// authenticates its downloads.
func (c *Client) Credentials(u *url.URL) (login, password string, ok bool) {
	if u.Scheme != "https" {
		return "", "", false
	}
	return c.creds.lookup(u)
}
