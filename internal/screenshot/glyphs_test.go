package screenshot

import (
	"bytes"
	"fmt"
	"image"
	"testing"
)

var (
	white = hex(0xffffff)
	black = hex(0x000000)
	bw    = Options{Foreground: white, Background: black, Padding: -1}
)

// one renders s into a 1×1 (or width×1) grid with no padding, so the image
// is exactly the cell(s).
func one(s string, width int) *image.RGBA {
	return Render(s, width, 1, bw)
}

func TestBoxDrawingEdges(t *testing.T) {
	// If every glyph meets each cell edge with exactly the band its arm
	// weight prescribes, any two glyphs placed side by side join without
	// gaps or steps.
	m := newFaces(defaultFontSize).metrics
	W, H, lt := m.w, m.h, m.line
	bands := func(weight byte, c int) map[int]bool {
		in := map[int]bool{}
		add := func(a, b int) {
			for i := a; i < b; i++ {
				in[i] = true
			}
		}
		switch weight {
		case '1':
			add(c-lt/2, c-lt/2+lt)
		case '2':
			add(c-lt, c+lt)
		case '3':
			s := c - lt/2
			add(s-lt, s)
			add(s+lt, s+2*lt)
		}
		return in
	}
	arms := map[rune]string{'╭': "0110", '╮': "0011", '╯': "1001", '╰': "1100"}
	for r := rune(0x2500); r <= 0x257f; r++ {
		if a := boxArms[r-0x2500]; a != "" {
			arms[r] = a
		}
	}
	for r, a := range arms {
		img := one(string(r), 1)
		for d := range 4 {
			var want map[int]bool
			var at func(i int) image.Point
			n := H
			switch d {
			case 0:
				want, n, at = bands(a[0], W/2), W, func(i int) image.Point { return image.Pt(i, 0) }
			case 1:
				want, at = bands(a[1], H/2), func(i int) image.Point { return image.Pt(W-1, i) }
			case 2:
				want, n, at = bands(a[2], W/2), W, func(i int) image.Point { return image.Pt(i, H-1) }
			case 3:
				want, at = bands(a[3], H/2), func(i int) image.Point { return image.Pt(0, i) }
			}
			for i := range n {
				p := at(i)
				got := img.RGBAAt(p.X, p.Y)
				if exp := map[bool]any{true: white, false: black}[want[i]]; got != exp {
					t.Errorf("%c (U+%04X) edge %d pixel %v = %v, want %v", r, r, d, p, got, exp)
					break
				}
			}
		}
	}
}

func TestBoxDrawingAllDrawn(t *testing.T) {
	for r := rune(0x2500); r <= 0x257f; r++ {
		if countColour(one(string(r), 1), white) == 0 {
			t.Errorf("%c (U+%04X) draws nothing", r, r)
		}
	}
}

func TestBlockElementsTile(t *testing.T) {
	m := newFaces(defaultFontSize).metrics
	all := m.w * m.h
	// Complementary halves and quadrants cover the cell exactly once.
	for _, pair := range [][2]string{{"▀", "▄"}, {"▌", "▐"}, {"▘", "▟"}, {"▝", "▙"}, {"▖", "▜"}, {"▗", "▛"}, {"▚", "▞"}} {
		a, b := one(pair[0], 1), one(pair[1], 1)
		for i := 0; i < len(a.Pix); i += 4 {
			if (a.Pix[i] == 0xff) == (b.Pix[i] == 0xff) {
				t.Errorf("%s and %s overlap or leave a gap at byte %d", pair[0], pair[1], i)
				break
			}
		}
	}
	if n := countColour(one("█", 1), white); n != all {
		t.Errorf("█ fills %d of %d pixels", n, all)
	}
	// Eighth blocks grow monotonically towards the full block.
	for _, series := range []string{"▏▎▍▌▋▊▉█", "▁▂▃▄▅▆▇█"} {
		prev := 0
		for _, r := range series {
			n := countColour(one(string(r), 1), white)
			if n <= prev {
				t.Errorf("%c fills %d pixels, not more than the previous %d", r, n, prev)
			}
			prev = n
		}
	}
}

// TestSymbolsCovered checks that the symbols bubbles/lipgloss UIs commonly
// use come out as real glyphs, from the font or drawn, never as the
// fallback box.
func TestSymbolsCovered(t *testing.T) {
	tofu := one("\ue000", 1) // private use: nothing can draw it
	if countColour(tofu, white) == 0 {
		t.Fatal("the fallback box draws nothing")
	}
	for _, r := range "•·…↑↓→←✓✔✗✘●○◆◇▸▾▴◂▶◀▲▼★☆⚠❯▰▱⣾⣽⣻⢿⡿⣟⣯⣷⠋⠙⠹━┃" {
		img := one(string(r), 1)
		if bytes.Equal(img.Pix, tofu.Pix) {
			t.Errorf("%c (U+%04X) is drawn as the fallback box", r, r)
		}
		if countColour(img, black) == len(img.Pix)/4 {
			t.Errorf("%c (U+%04X) draws nothing", r, r)
		}
	}
}

func TestCombiningMarks(t *testing.T) {
	// NFC turns e + U+0301 into é, which Go Mono has.
	if !bytes.Equal(one("e\u0301", 1).Pix, one("é", 1).Pix) {
		t.Error("e + combining acute differs from é")
	}
	// A mark the font lacks is dropped rather than boxed.
	if !bytes.Equal(one("a\u20dd", 1).Pix, one("a", 1).Pix) {
		t.Error("a + unsupported enclosing mark differs from a")
	}
}

func TestFaintAndUnderline(t *testing.T) {
	faint := one("\x1b[2m█", 1)
	if c := faint.RGBAAt(1, 1); c != blend(white, black, 0.45) {
		t.Errorf("faint █ = %v, want foreground blended toward background", c)
	}
	for i, sgr := range []string{"4", "4:2", "4:3", "4:4", "4:5", "9", "53"} {
		plain, deco := one(" ", 1), one(fmt.Sprintf("\x1b[%sm ", sgr), 1)
		if bytes.Equal(plain.Pix, deco.Pix) {
			t.Errorf("SGR %s (case %d) draws no decoration", sgr, i)
		}
	}
	// Underline colour (58) applies to the underline only.
	img := one("\x1b[4;58;2;255;0;0m ", 1)
	if countColour(img, hex(0xff0000)) == 0 {
		t.Error("underline colour not used")
	}
}

func countColour(img *image.RGBA, c interface{ RGBA() (r, g, b, a uint32) }) int {
	want := toRGBA(c)
	n := 0
	for i := 0; i < len(img.Pix); i += 4 {
		if img.Pix[i] == want.R && img.Pix[i+1] == want.G && img.Pix[i+2] == want.B && img.Pix[i+3] == 0xff {
			n++
		}
	}
	return n
}
