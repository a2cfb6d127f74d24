package ui

import (
	"testing"

	"github.com/modcache/modcache/cache"
)

// TestDarkFromEnv: COLORFGBG's background decides the first guess; a
// value that says nothing leaves the default (and the terminal's answer).
func TestDarkFromEnv(t *testing.T) {
	for _, c := range []struct {
		env      []string
		dark, ok bool
	}{
		{[]string{"COLORFGBG=15;0"}, true, true},
		{[]string{"COLORFGBG=0;15"}, false, true},
		{[]string{"COLORFGBG=0;default;7"}, false, true},
		{[]string{"COLORFGBG=7;8"}, true, true},
		{[]string{"COLORFGBG=15;0", "COLORFGBG=0;15"}, false, true},
		{[]string{"COLORFGBG=default;default"}, false, false},
		{[]string{"COLORFGBG=15"}, false, false},
		{[]string{"COLORFGBG=0;99"}, false, false},
		{[]string{"TERM=xterm"}, false, false},
		{nil, false, false},
	} {
		dark, ok := darkFromEnv(c.env)
		if dark != c.dark || ok != c.ok {
			t.Errorf("%q: dark %v ok %v, want %v %v", c.env, dark, ok, c.dark, c.ok)
		}
	}
	light := New(Options{Store: NewStore(t.TempDir(), cache.ScanOptions{NoIndex: true}), Environ: []string{"COLORFGBG=0;15"}, NoRescan: true})
	if light.dark || light.st.Dark {
		t.Error("COLORFGBG=0;15: styles are for a dark background")
	}
}
