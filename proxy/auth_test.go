package proxy

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseNetrc(t *testing.T) {
	const data = `machine a.example login alice password pa
# tokens may span lines
machine b.example
  login bob
  password pb
  account ignored
macdef init
machine evil.example login mallory password pm
cd /

machine c.example login carol password pc port 21
machine a.example login second password ignored-later
machine nologin.example password only
default login anon password anonpw
machine after-default.example login dave password pd
`
	got := parseNetrc(data)
	want := []netrcEntry{
		{"a.example", "alice", "pa"},
		{"b.example", "bob", "pb"},
		{"c.example", "carol", "pc"},
		{"a.example", "second", "ignored-later"},
		{"after-default.example", "dave", "pd"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("parseNetrc =\n%q\nwant\n%q", got, want)
	}
}

func TestCredentialsLookup(t *testing.T) {
	creds := credentials{}
	for _, e := range []netrcEntry{
		{"corp.example", "u1", "p1"},
		{"corp.example:8443", "u2", "p2"},
		{"git.example/private", "u3", "p3"},
	} {
		creds[e.machine] = e
	}
	tests := []struct{ url, login string }{
		{"https://corp.example/goproxy/x/@v/list", "u1"},
		{"https://corp.example:8443/x/@v/list", "u2"},
		{"https://corp.example:9999/x/@v/list", ""}, // a port is part of the machine, as in go
		{"https://git.example/private/x/@v/list", "u3"},
		{"https://git.example/privateer/x/@v/list", ""},
		{"https://git.example/public/x/@v/list", ""},
		{"https://other.example/x", ""},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.url)
		login, _, _ := creds.lookup(u)
		if login != tt.login {
			t.Errorf("lookup(%s) = %q, want %q", tt.url, login, tt.login)
		}
	}
}

// writeNetrc writes a netrc giving host's credentials.
func writeNetrc(t *testing.T, host string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "netrc")
	data := "machine unrelated.example login x password y\nmachine " + host + " login alice password s3cret\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestNetrcSentOverHTTPSOnly(t *testing.T) {
	routes := map[string]http.HandlerFunc{listPath: text("v1.0.0\n")}
	ctx := context.Background()

	for _, tt := range []struct {
		goauth string
		send   bool
	}{
		{"", true},
		{"netrc", true},
		{"netrc; git /some/dir", true},
		{"git /some/dir; netrc", true},
		{"git /some/dir", false},
		{"/usr/local/bin/my-auth-helper", false},
		{"off", false},
	} {
		tls := newTLSFakeProxy(t, routes)
		host := strings.TrimPrefix(tls.URL, "https://")
		cfg := testConfig(t, tls.URL)
		cfg.GOAUTH = tt.goauth
		cfg.NetrcPath = writeNetrc(t, host)
		cfg.HTTPClient = tls.Client()
		c := newTestClient(t, cfg)
		if _, _, err := c.ListChain(ctx, "example.com/m"); err != nil {
			t.Fatalf("GOAUTH=%q: %v", tt.goauth, err)
		}
		user, pass, ok := tls.LastRequest().BasicAuth()
		if ok != tt.send || ok && (user != "alice" || pass != "s3cret") {
			t.Errorf("GOAUTH=%q over https: got auth %v (%q), want %v", tt.goauth, ok, user, tt.send)
		}
	}

	// The same machine over plain http gets nothing.
	plain := newFakeProxy(t, routes)
	cfg := testConfig(t, plain.URL)
	cfg.NetrcPath = writeNetrc(t, strings.TrimPrefix(plain.URL, "http://"))
	c := newTestClient(t, cfg)
	if _, _, err := c.ListChain(ctx, "example.com/m"); err != nil {
		t.Fatal(err)
	}
	if got := plain.LastRequest().Header.Get("Authorization"); got != "" {
		t.Errorf("credentials sent over http: %q", got)
	}
}

func TestURLCredentials(t *testing.T) {
	routes := map[string]http.HandlerFunc{listPath: status(500, "boom")}
	ctx := context.Background()

	tls := newTLSFakeProxy(t, routes)
	withUser := strings.Replace(tls.URL, "https://", "https://bob:hunter2@", 1)
	cfg := testConfig(t, withUser)
	cfg.HTTPClient = tls.Client()
	c := newTestClient(t, cfg)
	_, _, err := c.ListChain(ctx, "example.com/m")
	wantErrContains(t, err, "xxxxx@127.0.0.1", "500 Internal Server Error")
	if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "bob") {
		t.Errorf("error leaks credentials: %v", err)
	}
	if u, p, _ := tls.LastRequest().BasicAuth(); u != "bob" || p != "hunter2" {
		t.Errorf("URL credentials not sent over https: %q %q", u, p)
	}

	// Connection errors come from net/http with the URL in them; the user
	// name must not survive that either.
	tls.Close()
	_, _, err = c.ListChain(ctx, "example.com/m")
	wantErrContains(t, err, "xxxxx@127.0.0.1")
	if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "bob") {
		t.Errorf("error leaks credentials: %v", err)
	}

	plain := newFakeProxy(t, routes)
	cfg = testConfig(t, strings.Replace(plain.URL, "http://", "http://bob:hunter2@", 1))
	c = newTestClient(t, cfg)
	_, _, err = c.ListChain(ctx, "example.com/m")
	wantErrContains(t, err, "refusing to send credentials over plain http")
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error leaks credentials: %v", err)
	}
	if len(plain.Hits()) != 0 {
		t.Errorf("request with credentials went out over http")
	}
}

func TestRedirectToHTTPRefused(t *testing.T) {
	plain := newFakeProxy(t, map[string]http.HandlerFunc{listPath: text("v1.0.0\n")})
	tls := newTLSFakeProxy(t, map[string]http.HandlerFunc{listPath: func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+listPath, http.StatusFound)
	}})
	cfg := testConfig(t, tls.URL)
	cfg.NetrcPath = writeNetrc(t, strings.TrimPrefix(tls.URL, "https://"))
	cfg.HTTPClient = tls.Client()
	c := newTestClient(t, cfg)
	_, _, err := c.ListChain(context.Background(), "example.com/m")
	wantErrContains(t, err, "redirected from https to insecure")
	if len(plain.Hits()) != 0 {
		t.Errorf("followed a redirect to http")
	}
}
