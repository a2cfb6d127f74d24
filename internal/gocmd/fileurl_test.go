package gocmd

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSlashFileURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/srv/goproxy", "file:///srv/goproxy"},
		{"/tmp/a,b|c d", "file:///tmp/a%2Cb%7Cc%20d"},
		{"C:/Users/x/AppData/Local/Temp", "file:///C:/Users/x/AppData/Local/Temp"},
		{"//fileserver/share/goproxy", "file://fileserver/share/goproxy"},
	} {
		if got := slashFileURL(tc.in); got != tc.want {
			t.Errorf("%q: %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestFileURLServesGo: the real go command reads a proxy whose directory
// has a comma and a space in its name, given FileURL's GOPROXY.
func TestFileURLServesGo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mirror, one")
	v := filepath.Join(dir, "example.com", "m", "@v")
	if err := os.MkdirAll(v, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(v, "list"), []byte("v1.0.0\n"), 0o644)
	os.WriteFile(filepath.Join(v, "v1.0.0.info"), []byte(`{"Version":"v1.0.0"}`), 0o644)
	os.WriteFile(filepath.Join(v, "v1.0.0.mod"), []byte("module example.com/m\n"), 0o644)
	env := append(os.Environ(), "GOPROXY="+FileURL(dir), "GOSUMDB=off", "GOFLAGS=-mod=mod",
		"GOMODCACHE="+t.TempDir(), "GOWORK=off", "GOENV=off")
	out, err := Run(t.Context(), t.TempDir(), env, nil, "list", "-m", "-json", "example.com/m@latest")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}
