package proxy

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unsafe"
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

// TestHeldTakesOnlyProxyAnswers: a server that answers 200 to everything
// (a sign-in page, an empty body) holds nothing it can be shown to hold. A
// .mod is proof only if it is a go.mod naming the module, and a list with
// no version in it is no list; either way the report is a failure, so
// nothing is taken as re-fetchable.
func TestHeldTakesOnlyProxyAnswers(t *testing.T) {
	const login = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>user: <input></body></html>\n"
	local := []string{"v1.0.0", "v1.1.0+incompatible", "v0.0.0-20240101000000-abcdefabcdef"}
	for name, body := range map[string]string{"html": login, "empty": "", "other module": "module example.com/other\n"} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if name == "html" {
					w.Header().Set("Content-Type", "text/html")
				}
				fmt.Fprint(w, body)
			}))
			defer srv.Close()
			src := newTestClient(t, testConfig(t, srv.URL)).Sources()[0]
			r := Held(context.Background(), src, "example.com/x", local)
			if r.Err == nil || r.Answered() || len(r.Versions) > 0 {
				t.Fatalf("report %+v", r)
			}
			if strings.Contains(r.Err.Error(), "<") {
				t.Errorf("error shows raw markup: %v", r.Err)
			}
			for _, v := range local {
				if Irreplaceable(v, []*Report{r}) {
					t.Errorf("%s called irreplaceable on a failed lookup", v)
				}
			}
		})
	}
}

// TestHeldTakesSynthesizedMods: go.mod-less and +incompatible versions are
// served as "module PATH" alone, and that is an answer.
func TestHeldTakesSynthesizedMods(t *testing.T) {
	p := newFakeProxy(t, map[string]http.HandlerFunc{
		"/example.com/x/@v/list":                    text(""),
		"/example.com/x/@v/v2.0.0+incompatible.mod": text("module example.com/x\n"),
		"/example.com/x/@v/v1.0.0.mod":              text("module \"example.com/x\"\n\ngo 1.21\n"),
	})
	src := newTestClient(t, testConfig(t, p.URL)).Sources()[0]
	r := Held(context.Background(), src, "example.com/x", []string{"v1.0.0", "v2.0.0+incompatible"})
	if r.Err != nil || !r.Has("v1.0.0") || !r.Has("v2.0.0+incompatible") {
		t.Errorf("report %+v", r)
	}
}

// Describe's Latest does not share memory with the list it came from: a
// caller keeping only Latest (outdated, over hundreds of modules) must not
// keep each module's whole list body alive.
func TestDescribeLatestIsNotASliceOfTheList(t *testing.T) {
	var list strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&list, "v1.0.%d\n", i)
	}
	p := newFakeProxy(t, map[string]http.HandlerFunc{
		"/example.com/x/@v/list":         text(list.String()),
		"/example.com/x/@v/v1.0.999.mod": text("module example.com/x\n"),
	})
	r := Describe(context.Background(), newTestClient(t, testConfig(t, p.URL)).Sources()[0], "example.com/x", nil)
	last := r.Versions[len(r.Versions)-1]
	if r.Err != nil || r.Latest != "v1.0.999" || last != r.Latest {
		t.Fatalf("report: latest %q, err %v", r.Latest, r.Err)
	}
	if unsafe.StringData(r.Latest) == unsafe.StringData(last) {
		t.Error("Latest is a slice of the list body")
	}
}

// A deprecation message is the remote's text: it reaches the terminal
// without its control characters.
func TestDescribeDeprecationIsSafeToPrint(t *testing.T) {
	p := newFakeProxy(t, map[string]http.HandlerFunc{
		"/example.com/x/@v/list":       text("v1.0.0\n"),
		"/example.com/x/@v/v1.0.0.mod": text("// Deprecated: use \x1b[31mexample.com/y\x07\rnow.\nmodule example.com/x\n"),
	})
	r := Describe(context.Background(), newTestClient(t, testConfig(t, p.URL)).Sources()[0], "example.com/x", nil)
	if want := "use \ufffd[31mexample.com/y\ufffd now."; r.Deprecated != want {
		t.Errorf("deprecated %q, want %q", r.Deprecated, want)
	}
}
