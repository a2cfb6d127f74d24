package ui

import (
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
)

// Golden views at the sizes people use: 80×24 (the SSH minimum) and
// 120×40, on dark and light backgrounds. Run with -update after a
// deliberate change and look at the diff.
func TestGoldenViews(t *testing.T) {
	for _, tc := range []struct {
		name string
		w, h int
		dark bool
		keys []string
	}{
		{"80x24_dark", 80, 24, true, nil},
		{"80x24_light", 80, 24, false, nil},
		{"120x40_dark", 120, 40, true, nil},
		{"120x40_light", 120, 40, false, nil},
		// alpha: expanded, one version marked, remote pane focused.
		{"80x24_expanded_marked", 80, 24, true, []string{"/", "a", "l", "p", "h", "a", "enter", "enter", "down", "space", "tab"}},
		{"80x24_help", 80, 24, true, []string{"?"}},
		{"80x24_remote_error", 80, 24, true, []string{"/", "b", "r", "o", "k", "enter"}},
		{"80x24_private", 80, 24, true, []string{"/", "s", "e", "c", "r", "enter"}},
		{"80x24_catalog", 80, 24, true, []string{"R", "R", "c", "tab"}},
		{"60x20_narrow", 60, 20, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newSampleModel(t, tc.w, tc.h, tc.dark)
			press(m, tc.keys...)
			settleLookups(m)
			if tc.name == "80x24_catalog" {
				// The key started the listing; answer it synchronously.
				delete(m.lk.catBusy, 2)
				m.Update(m.lk.startCatalog(2)())
			}
			out := m.View().Content
			if w, h := width(firstLine(out)), height(out); w != tc.w || h != tc.h {
				t.Errorf("view is %d×%d, want %d×%d", w, h, tc.w, tc.h)
			}
			golden.RequireEqual(t, out)
		})
	}
}

// With NO_COLOR (the Ascii profile) no colour is emitted at all, and on 16
// colours only the basic palette is; the cursor row still shows, by
// reverse video.
func TestGoldenProfiles(t *testing.T) {
	for _, tc := range []struct {
		name    string
		profile colorprofile.Profile
	}{{"nocolor", colorprofile.Ascii}, {"ansi16", colorprofile.ANSI}} {
		t.Run(tc.name, func(t *testing.T) {
			m := newSampleModelProfile(t, 80, 24, true, tc.profile)
			press(m, "/", "a", "l", "p", "h", "a", "enter", "enter", "down", "space")
			settleLookups(m)
			out := m.View().Content
			colour := regexp.MustCompile(`\x1b\[[0-9;]*(3[0-9]|4[0-9]|9[0-7]|10[0-7])[;m]`)
			rich := regexp.MustCompile(`\x1b\[[0-9;]*[34]8;[25];`)
			switch tc.profile {
			case colorprofile.Ascii:
				if loc := colour.FindStringIndex(out); loc != nil {
					t.Errorf("colour escape %q with NO_COLOR", out[loc[0]:loc[1]])
				}
			case colorprofile.ANSI:
				if loc := rich.FindStringIndex(out); loc != nil {
					t.Errorf("256/true colour escape %q on a 16-colour terminal", out[loc[0]:loc[1]])
				}
			}
			if !strings.Contains(out, "\x1b[7m") {
				t.Error("cursor row not in reverse video")
			}
			golden.RequireEqual(t, out)
		})
	}
}

func firstLine(s string) string {
	for i := range s {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
