package gocmd

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

func TestFailureReason(t *testing.T) {
	for _, tc := range []struct{ stderr, want string }{
		{"go: example.com/x@v1.0.0: reading http://127.0.0.1/x/@v/v1.0.0.mod: 404 Not Found\n",
			"go: example.com/x@v1.0.0: reading http://127.0.0.1/x/@v/v1.0.0.mod: 404 Not Found"},
		// go mod download after a tampered .mod: the reason is first, an
		// explanation follows.
		{`verifying example.com/gamma/v2@v2.0.0/go.mod: checksum mismatch
	downloaded: h1:FXS55w77rFst3EJJBfcMEgIbZCJnl/G0jRe4/VZxYn0=
	go.sum:     h1:+rSZr6OUg9uNbcU6vdQRG8cXbbbehOQnZ4jsD8pXxUE=

SECURITY ERROR
This download does NOT match an earlier download recorded in go.sum.
The bits may have been replaced on the origin server, or an attacker may
have intercepted the download attempt.

For more information, see 'go help module-auth'.
`, "verifying example.com/gamma/v2@v2.0.0/go.mod: checksum mismatch"},
		// -x traces and download notes around the reason.
		{"# get http://127.0.0.1:1/example.com/a/@v/list\ngo: downloading example.com/b v1.0.0\ngo: example.com/a@latest: module lookup disabled by GOPROXY=off\n# get http://127.0.0.1:1/example.com/a/@v/list: 200 OK (0.001s)\n",
			"go: example.com/a@latest: module lookup disabled by GOPROXY=off"},
		{"something odd\n\n", "something odd"},
		// The fix go suggests, indented below a reason ending in ':'.
		{"go: module example.com/a appears multiple times in workspace; to update it:\n\tgo work use\n",
			"go: module example.com/a appears multiple times in workspace; to update it: go work use"},
		{"", ""},
	} {
		if got := failureReason(tc.stderr); got != tc.want {
			t.Errorf("failureReason(%q)\n got %q\nwant %q", tc.stderr, got, tc.want)
		}
	}
}

// The real go command, failing: the error names the command and go's own
// reason.
func TestRunFailure(t *testing.T) {
	dir := t.TempDir()
	env := append(os.Environ(), "GOPROXY=off", "GOFLAGS=", "GOWORK=off", "GOMODCACHE="+t.TempDir())
	// -x feeds progress only; the command the error names lacks it.
	_, err := Run(context.Background(), dir, env, io.Discard, "mod", "download", "-x", "example.com/none@v1.0.0")
	var ge *Error
	if !errors.As(err, &ge) {
		t.Fatalf("want an *Error, got %v", err)
	}
	if !strings.Contains(ge.Reason, "GOPROXY=off") || !strings.HasPrefix(err.Error(), "go mod download example.com/none@v1.0.0 (in ") {
		t.Errorf("error %q (reason %q) does not say why", err, ge.Reason)
	}
	out, err := Run(context.Background(), dir, env, nil, "env", "GOPROXY")
	if err != nil || strings.TrimSpace(string(out)) != "off" {
		t.Errorf("go env GOPROXY: %q, %v", out, err)
	}
}

// TestGetCounter: go's -x trace arrives in arbitrary chunks; only "# get"
// lines count, and a file counts once it has arrived: a 404 or a dial
// error fetched nothing.
func TestGetCounter(t *testing.T) {
	var c GetCounter
	w := c.Writer()
	for _, chunk := range []string{
		"# get https://proxy.example/a/@v/v1.0.0.info\n# get https://proxy.exa",
		"mple/a/@v/v1.0.0.info: 200 OK (0.01s)\nmkdir -p /x\n",
		"# get https://proxy.example/b/@v/list\n# get https://proxy.example/b/@v/list: 404 Not Found (0.01s)\n",
		"# get https://proxy.example/a/@v/v1.0.0.zip\n",
	} {
		w.Write([]byte(chunk))
	}
	if n, cur := c.Get(); n != 1 || cur != "https://proxy.example/a/@v/v1.0.0.zip" {
		t.Errorf("Get() = %d, %q", n, cur)
	}
	w.Write([]byte("# get https://proxy.example/a/@v/v1.0.0.zip: 200 OK (2.5s)\n"))
	if n, cur := c.Get(); n != 2 || cur != "" {
		t.Errorf("after the zip arrived: Get() = %d, %q; want 2 and no URL in flight", n, cur)
	}
	c.Reset()
	if n, cur := c.Get(); n != 0 || cur != "" {
		t.Errorf("after Reset: Get() = %d, %q", n, cur)
	}
	var none *GetCounter
	if none.Flags() != nil || none.Writer() != nil {
		t.Errorf("a nil counter asks go to trace")
	}
	if n, _ := none.Get(); n != 0 {
		t.Errorf("a nil counter counted %d", n)
	}
	ds, err := parseDownloads([]byte(`{"Path":"a","Version":"v1.0.0"}
{"Path":"b","Version":"v2.0.0","Error":"b@v2.0.0: not found\nmore"}`))
	if err != nil || len(ds) != 2 || ds[1].Reason() != "not found" || ds[0].Reason() != "" {
		t.Errorf("parseDownloads: %+v, %v", ds, err)
	}
}

// TestReasonKeepsMismatchEvidence: go's checksum mismatch report is more
// than its first line; the hashes and the warning must survive.
func TestReasonKeepsMismatchEvidence(t *testing.T) {
	d := Downloaded{Path: "golang.org/x/mod", Version: "v0.42.0", Error: "golang.org/x/mod@v0.42.0: verifying module: checksum mismatch\n" +
		"\tdownloaded: h1:3dre=\n\tsum.golang.org: h1:ICeL=\n\nSECURITY ERROR\nThis download does NOT match the one reported by the checksum server.\n"}
	want := "verifying module: checksum mismatch (downloaded h1:3dre=, sum.golang.org h1:ICeL=): SECURITY ERROR, the download is not what was recorded: the proxy served other content, or someone tampered with it"
	if got := d.Reason(); got != want {
		t.Errorf("Reason() =\n%s\nwant\n%s", got, want)
	}
	d.Error = "golang.org/x/mod@v0.42.0: verifying golang.org/x/mod@v0.42.0: checksum mismatch\n\tdownloaded: h1:3dre=\n\tgo.sum:     h1:ICeL=\n"
	if got := d.Reason(); !strings.Contains(got, "(downloaded h1:3dre=, go.sum h1:ICeL=)") {
		t.Errorf("go.sum mismatch: %s", got)
	}
}
