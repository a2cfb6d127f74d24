package ui

import (
	"image/color"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/modcache/modcache/cache"
)

// Styles are built for one background (dark or light) and colour profile.
// Semantic colours come in three forms: a basic ANSI colour the user's
// terminal theme already tunes for its background (16-colour terminals), and
// hand-picked true colours for dark and light backgrounds. With NO_COLOR
// (the Ascii profile) no colour is emitted at all, so everything that matters
// is also carried by text, position, bold or reverse video.
type Styles struct {
	Dark bool
	// Plain is set when no attribute reaches the screen at all (TERM=dumb,
	// or output that is not a terminal): not even reverse video marks the
	// cursor, so text does.
	Plain bool

	Accent, OK, Warn, Danger, Muted, Marked color.Color

	Title      lipgloss.Style // app name in the header
	Text       lipgloss.Style
	Dim        lipgloss.Style
	Bold       lipgloss.Style
	WarnText   lipgloss.Style
	DangerText lipgloss.Style
	OKText     lipgloss.Style
	AccentText lipgloss.Style
	MarkText   lipgloss.Style

	PaneTitle        lipgloss.Style
	PaneTitleFocused lipgloss.Style
	Rule             lipgloss.Style // separators between regions
	Cursor           lipgloss.Style // the selected row in the focused pane
	CursorBlurred    lipgloss.Style // the selected row in the other pane

	Dialog      lipgloss.Style
	DialogTitle lipgloss.Style
	Key         lipgloss.Style // key names in prompts

	Help help.Styles
}

// NewStyles picks colours for a background and profile.
func NewStyles(dark bool, profile colorprofile.Profile) *Styles {
	pick := func(ansi, light, darkc string) color.Color {
		switch {
		case profile <= colorprofile.Ascii:
			return nil
		case profile == colorprofile.ANSI:
			return lipgloss.Color(ansi)
		case dark:
			return lipgloss.Color(darkc)
		}
		return lipgloss.Color(light)
	}
	s := &Styles{Dark: dark}
	s.Accent = pick("4", "#1d5fc7", "#7aa2f7")
	s.OK = pick("2", "#2e7d32", "#9ece6a")
	s.Warn = pick("3", "#9a5b00", "#e0af68")
	s.Danger = pick("1", "#c62828", "#f7768e")
	s.Muted = pick("8", "#6e6e80", "#7d84a8")
	s.Marked = pick("5", "#8e24aa", "#c099ff")
	fg := func(c color.Color) lipgloss.Style {
		st := lipgloss.NewStyle()
		if c != nil {
			st = st.Foreground(c)
		}
		return st
	}
	s.Text = lipgloss.NewStyle()
	s.Bold = lipgloss.NewStyle().Bold(true)
	s.Dim = fg(s.Muted)
	s.WarnText = fg(s.Warn)
	s.DangerText = fg(s.Danger).Bold(true)
	s.OKText = fg(s.OK)
	s.AccentText = fg(s.Accent)
	s.MarkText = fg(s.Marked).Bold(true)
	s.Title = fg(s.Accent).Bold(true)
	s.PaneTitle = fg(s.Muted).Bold(true)
	s.PaneTitleFocused = fg(s.Accent).Bold(true)
	s.Rule = fg(s.Muted)

	s.Plain = profile <= colorprofile.NoTTY

	// The cursor row must stand out without colour: reverse video where
	// colours are scarce, a tinted background where they are not.
	if profile <= colorprofile.ANSI {
		s.Cursor = lipgloss.NewStyle().Reverse(true)
		s.CursorBlurred = lipgloss.NewStyle().Underline(true)
	} else {
		bg := pick("", "#d8e1f3", "#2d3550")
		blurred := pick("", "#eceff5", "#23283b")
		s.Cursor = lipgloss.NewStyle().Background(bg)
		s.CursorBlurred = lipgloss.NewStyle().Background(blurred)
	}

	border := lipgloss.RoundedBorder()
	s.Dialog = lipgloss.NewStyle().Border(border).Padding(0, 1)
	if s.Accent != nil {
		s.Dialog = s.Dialog.BorderForeground(s.Accent)
	}
	s.DialogTitle = s.Title
	s.Key = s.Bold

	// Help in the screen's own palette: the bubbles defaults are dark greys
	// that fade out on dark backgrounds and on 16-colour terminals.
	s.Help = help.DefaultStyles(dark)
	s.Help.ShortKey, s.Help.FullKey = s.Text, s.Bold
	s.Help.ShortDesc, s.Help.FullDesc = s.Dim, s.Dim
	s.Help.ShortSeparator, s.Help.FullSeparator = s.Dim, s.Dim
	s.Help.Ellipsis = s.Dim
	if profile <= colorprofile.ANSI {
		s.Help.ShortDesc, s.Help.FullDesc = s.Text, s.Text
	}
	return s
}

// State styles a version state word: benign states are dim, states that need
// attention are coloured.
func (s *Styles) State(st cache.State) lipgloss.Style {
	switch st {
	case cache.Complete:
		return s.OKText
	case cache.Partial:
		return s.WarnText
	case cache.Damaged:
		return s.DangerText
	}
	return s.Dim
}

// Input styles the filter's text input like the rest of the screen.
func (s *Styles) Input() textinput.Styles {
	is := textinput.DefaultStyles(s.Dark)
	is.Focused.Prompt, is.Blurred.Prompt = s.AccentText, s.Dim
	is.Focused.Text, is.Blurred.Text = s.Text, s.Text
	is.Focused.Placeholder, is.Blurred.Placeholder = s.Dim, s.Dim
	if s.Accent != nil {
		is.Cursor.Color = s.Accent
	}
	return is
}

// darkFromEnv reads COLORFGBG ("fg;bg" or "fg;default;bg"), which rxvt,
// Konsole and others set, as termenv does: background colours 0–6 and 8
// are dark, 7 and 9–15 light. ok is false when it says nothing usable.
func darkFromEnv(environ []string) (dark, ok bool) {
	var v string
	for _, kv := range environ {
		if s, found := strings.CutPrefix(kv, "COLORFGBG="); found {
			v = s // the last one wins, as in a process's environment
		}
	}
	if i := strings.LastIndexByte(v, ';'); i >= 0 {
		v = v[i+1:]
	} else {
		return false, false
	}
	bg, err := strconv.Atoi(v)
	if err != nil || bg < 0 || bg > 15 {
		return false, false
	}
	return bg < 7 || bg == 8, true
}
