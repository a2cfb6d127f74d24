package proxy

import (
	"context"
	"net/http"
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
