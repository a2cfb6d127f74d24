package screenshot

import (
	"image/color"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestParseSGR(t *testing.T) {
	for _, tc := range []struct {
		name  string
		frame string
		want  style // style of the cell holding "X"
	}{
		{"plain", "X", style{}},
		{"attributes", "\x1b[1;2;3;7;8;9;53mX", style{attrs: attrBold | attrFaint | attrItalic | attrReverse | attrConceal | attrStrike | attrOverline}},
		{"attributes off", "\x1b[1;2;3;4;7;8;9m\x1b[22;23;24;27;28;29mX", style{}},
		{"reset", "\x1b[1;31;44mA\x1b[0mX", style{}},
		{"reset no params", "\x1b[1;31mA\x1b[mX", style{}},
		{"basic", "\x1b[31;42mX", style{fg: ansi.BasicColor(1), bg: ansi.BasicColor(2)}},
		{"bright", "\x1b[97;100mX", style{fg: ansi.BasicColor(15), bg: ansi.BasicColor(8)}},
		{"defaults", "\x1b[31;42m\x1b[39;49mX", style{}},
		{"256", "\x1b[38;5;208;48;5;17mX", style{fg: ansi.IndexedColor(208), bg: ansi.IndexedColor(17)}},
		{"truecolor", "\x1b[38;2;10;20;30;48;2;1;2;3mX", style{fg: color.RGBA{10, 20, 30, 255}, bg: color.RGBA{1, 2, 3, 255}}},
		{"truecolor colons", "\x1b[38:2::10:20:30mX", style{fg: color.RGBA{10, 20, 30, 255}}},
		{"colour then attr", "\x1b[38;5;1;1mX", style{fg: ansi.IndexedColor(1), attrs: attrBold}},
		{"underline", "\x1b[4mX", style{underline: ulSingle}},
		{"underline curly", "\x1b[4:3mX", style{underline: ulCurly}},
		{"underline styles then attr", "\x1b[4:5;1mX", style{underline: ulDashed, attrs: attrBold}},
		{"underline off", "\x1b[4m\x1b[4:0mX", style{}},
		{"double underline", "\x1b[21mX", style{underline: ulDouble}},
		{"underline colour", "\x1b[58;2;1;2;3mX", style{ul: color.RGBA{1, 2, 3, 255}}},
		{"other CSI ignored", "\x1b[31m\x1b[2J\x1b[?25l\x1b[HX", style{fg: ansi.BasicColor(1)}},
		{"private m ignored", "\x1b[>4;2mX", style{}},
		{"style spans lines", "\x1b[31mA\nX", style{fg: ansi.BasicColor(1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := parse(tc.frame, 10, 3)
			for _, c := range g.cells {
				if c.text == "X" {
					if c.st != tc.want {
						t.Errorf("style = %+v, want %+v", c.st, tc.want)
					}
					return
				}
			}
			t.Fatal("no X cell")
		})
	}
}

// row returns the texts of row y, blanks as ".", continuations as "_".
func row(g *grid, y int) string {
	s := ""
	for x := range g.cols {
		switch c := g.at(x, y); {
		case c.width == 0:
			s += "_"
		case c.text == "":
			s += "."
		default:
			s += c.text
		}
	}
	return s
}

func TestParseLayout(t *testing.T) {
	for _, tc := range []struct {
		name, frame string
		want        []string
	}{
		{"lines", "ab\ncd", []string{"ab....", "cd....", "......"}},
		{"pad and clip", "abcdefgh\n\n\nzz", []string{"abcdef", "......", "......"}},
		{"crlf", "ab\r\ncd", []string{"ab....", "cd....", "......"}},
		{"tab", "a\tb", []string{"a.....", "......", "......"}}, // b is at column 8: clipped
		{"wide", "世x", []string{"世_x...", "......", "......"}},
		{"wide at edge clipped", "abcde世", []string{"abcde.", "......", "......"}},
		{"combining joins base", "e\u0301x", []string{"e\u0301x....", "......", "......"}},
		{"hyperlink text kept", "\x1b]8;;https://go.dev\x1b\\go\x1b]8;;\x1b\\!", []string{"go!...", "......", "......"}},
		{"osc bel", "\x1b]0;title\x07ok", []string{"ok....", "......", "......"}},
		{"unterminated", "ok\x1b[31", []string{"ok....", "......", "......"}},
		{"overwrite wide half", "世\rx", []string{"x.....", "......", "......"}},
		{"emoji", "👍x", []string{"👍_x...", "......", "......"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := parse(tc.frame, 6, 3)
			for y, want := range tc.want {
				if got := row(g, y); got != want {
					t.Errorf("row %d = %q, want %q", y, got, want)
				}
			}
		})
	}
}

func TestResolvePalette(t *testing.T) {
	o := LightTheme().withDefaults()
	for _, tc := range []struct {
		in   color.Color
		want color.RGBA
	}{
		{nil, toRGBA(o.Foreground)},
		{ansi.BasicColor(4), toRGBA(o.Palette[4])},
		{ansi.IndexedColor(12), toRGBA(o.Palette[12])},
		{ansi.IndexedColor(196), hex(0xff0000)},
		{ansi.IndexedColor(244), hex(0x808080)},
		{color.RGBA{1, 2, 3, 255}, color.RGBA{1, 2, 3, 255}},
	} {
		if got := o.resolve(tc.in, o.Foreground); got != tc.want {
			t.Errorf("resolve(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
