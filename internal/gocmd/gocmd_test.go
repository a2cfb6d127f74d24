package gocmd

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestReason(t *testing.T) {
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
		{"", ""},
	} {
		if got := Reason(tc.stderr); got != tc.want {
			t.Errorf("Reason(%q)\n got %q\nwant %q", tc.stderr, got, tc.want)
		}
	}
}

// The real go command, failing: the error names the command and go's own
// reason.
func TestRunFailure(t *testing.T) {
	dir := t.TempDir()
	env := append(os.Environ(), "GOPROXY=off", "GOFLAGS=", "GOWORK=off", "GOMODCACHE="+t.TempDir())
	_, err := Run(context.Background(), dir, env, nil, "mod", "download", "example.com/none@v1.0.0")
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
