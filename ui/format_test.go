package ui

import (
	"testing"

	"github.com/charmbracelet/colorprofile"
)

// Pseudo-versions too long for the column keep the timestamp that tells
// them apart; other versions are cut at the end.
func TestFitVersion(t *testing.T) {
	for _, tc := range []struct {
		v    string
		w    int
		want string
	}{
		{"v1.2.3", 8, "v1.2.3  "},
		{"v0.0.0-20260811164956-006e29f97886", 16, "…20260811164956…"},
		{"v0.0.0-20260811164956-006e29f97886", 20, "…20260811164956-006…"},
		{"v0.0.0-20260811164956-006e29f97886", 40, "v0.0.0-20260811164956-006e29f97886      "},
		{"v1.2.4-0.20260811164956-006e29f97886", 16, "…20260811164956…"},
		{"v1.0.0-alpha.very.long.prerelease", 10, "v1.0.0-al…"},
	} {
		if got := fitVersion(tc.v, tc.w); got != tc.want {
			t.Errorf("fitVersion(%q, %d) = %q, want %q", tc.v, tc.w, got, tc.want)
		}
	}
}

// Where no attribute reaches the screen (TERM=dumb), the cursor row is
// marked with text, and a marked row keeps showing it is marked.
func TestPlainCursor(t *testing.T) {
	st := NewStyles(true, colorprofile.NoTTY)
	if got := st.cursorRow(" ▸  37MiB  golang.org/x/text"); got != ">▸  37MiB  golang.org/x/text" {
		t.Errorf("plain cursor row %q", got)
	}
	if got := st.cursorRow(st.MarkText.Render("●") + "   v1.0.0"); got != "◉   v1.0.0" {
		t.Errorf("plain cursor on a marked row %q", got)
	}
	if got := st.choice("dir"); got != "[dir]" {
		t.Errorf("plain choice %q", got)
	}
	if st := NewStyles(true, colorprofile.Ascii); st.Plain || st.cursorRow(" x") == ">x" {
		t.Error("NO_COLOR keeps reverse video for the cursor")
	}
}
