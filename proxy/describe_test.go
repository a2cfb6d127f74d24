package proxy

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestDescribeReusesHeldMod: a module served only as a pseudo-version
// (proxies leave those out of lists) is found by its .mod, and that same
// .mod tells the deprecation: it is fetched once.
func TestDescribeReusesHeldMod(t *testing.T) {
	const pseudo = "v0.0.0-20240101000000-abcdefabcdef"
	p := newFakeProxy(t, map[string]http.HandlerFunc{
		"/example.com/x/@v/list":               text(""),
		"/example.com/x/@v/" + pseudo + ".mod": text("// Deprecated: use example.com/y\nmodule example.com/x\n"),
	})
	c := newTestClient(t, testConfig(t, p.URL))
	r := Describe(context.Background(), c.Sources()[0], "example.com/x", []string{pseudo})
	if r.Err != nil || !r.Has(pseudo) || r.Latest != pseudo || r.Deprecated != "use example.com/y" {
		t.Fatalf("report %+v", r)
	}
	mods := 0
	for _, h := range p.Hits() {
		if h == "/example.com/x/@v/"+pseudo+".mod" {
			mods++
		}
	}
	if mods != 1 {
		t.Errorf("the .mod was fetched %d times: %v", mods, p.Hits())
	}
}

// TestHeldNeedsAnAnswer: an unlisted version the proxy says it lacks
// (404) is not held; one it fails to answer about (500) makes the whole
// report a failure, not a guess that the version is irreplaceable.
func TestHeldNeedsAnAnswer(t *testing.T) {
	p := newFakeProxy(t, map[string]http.HandlerFunc{
		"/example.com/x/@v/list":                                   text("v1.0.0\n"),
		"/example.com/x/@v/v0.0.0-20240101000000-abcdefabcdef.mod": status(http.StatusInternalServerError, "backend down"),
	})
	src := newTestClient(t, testConfig(t, p.URL)).Sources()[0]
	r := Held(context.Background(), src, "example.com/x", []string{"v1.0.0", "v0.9.0"})
	if r.Err != nil || !r.Has("v1.0.0") || r.Has("v0.9.0") {
		t.Errorf("404 for v0.9.0: %+v", r)
	}
	r = Held(context.Background(), src, "example.com/x", []string{"v0.0.0-20240101000000-abcdefabcdef"})
	if r.Err == nil || !strings.Contains(r.Err.Error(), "500") || r.Answered() {
		t.Errorf("500 for the pseudo-version: %+v", r)
	}
}
