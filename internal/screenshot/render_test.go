package screenshot

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

const testCols, testRows = 40, 12

// testFrame is a small lipgloss v2 UI: a rounded, coloured box holding a
// bold title, a truecolor background block, 256-colour text, reverse video,
// a progress bar, a braille spinner and a wide rune, followed by a line that
// is longer than the terminal is wide.
func testFrame() string {
	lines := []string{
		lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#FF5F87")).Render("Title") + " plain",
		lipgloss.NewStyle().Background(lipgloss.Color("#1E90FF")).Render("bg    "),
		lipgloss.NewStyle().Foreground(lipgloss.Color("201")).Render("256"),
		lipgloss.NewStyle().Foreground(lipgloss.Color("#FF8800")).Background(lipgloss.Color("#002244")).Reverse(true).Render("R █ "),
		"P" + lipgloss.NewStyle().Foreground(lipgloss.Color("#04B575")).Render("█████▌░░░"),
		"⣾ spin",
		"世X",
	}
	box := lipgloss.NewStyle().
		Border(lipgloss.RoundedBorder()).BorderForeground(lipgloss.Color("#7D56F4")).
		Render(strings.Join(lines, "\n"))
	long := lipgloss.NewStyle().Background(lipgloss.Color("#FF0000")).Render(strings.Repeat("L", testCols+10))
	return box + "\n" + long
}

// fixture renders testFrame and gives helpers to address cells.
type fixture struct {
	t      *testing.T
	opts   Options
	img    *image.RGBA
	g      *grid
	w, h   int
	origin image.Point
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	f := &fixture{t: t, opts: opts.withDefaults()}
	f.img = Render(testFrame(), testCols, testRows, opts)
	f.g = parse(testFrame(), testCols, testRows)
	f.w, f.h = CellSize(opts)
	f.origin = image.Pt(f.opts.Padding, titleBarHeight(f.opts, newFaces(f.opts.FontSize).metrics)+f.opts.Padding)
	return f
}

// find returns the first cell holding text.
func (f *fixture) find(text string) (x, y int) {
	f.t.Helper()
	for y := range f.g.rows {
		for x := range f.g.cols {
			if f.g.at(x, y).text == text {
				return x, y
			}
		}
	}
	f.t.Fatalf("no cell holds %q", text)
	return 0, 0
}

// cell returns the pixel rectangle of cell (x, y).
func (f *fixture) cell(x, y int) image.Rectangle {
	p := f.origin.Add(image.Pt(x*f.w, y*f.h))
	return image.Rect(p.X, p.Y, p.X+f.w, p.Y+f.h)
}

func (f *fixture) center(x, y int) color.RGBA {
	r := f.cell(x, y)
	return f.img.RGBAAt((r.Min.X+r.Max.X)/2, (r.Min.Y+r.Max.Y)/2)
}

// count returns how many pixels of r are exactly c.
func (f *fixture) count(r image.Rectangle, c color.RGBA) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if f.img.RGBAAt(x, y) == c {
				n++
			}
		}
	}
	return n
}

var (
	darkBG = toRGBA(DarkTheme().Background)
	darkFG = toRGBA(DarkTheme().Foreground)
	border = hex(0x7D56F4)
)

func TestDimensions(t *testing.T) {
	w, h := CellSize(Options{})
	if w != 17 || h != 33 {
		t.Errorf("default cell = %dx%d, want 17x33 (Go Mono 14pt at 144 DPI)", w, h)
	}
	for _, tc := range []struct {
		name  string
		opts  Options
		extra int // title bar
	}{
		{"default", Options{}, 0},
		{"padding", Options{Padding: 5}, 0},
		{"no padding", Options{Padding: -1}, 0},
		{"title", Options{Title: "demo"}, h * 7 / 4},
		{"font size", Options{FontSize: 10}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts.withDefaults()
			cw, ch := CellSize(tc.opts)
			img := Render(testFrame(), testCols, testRows, tc.opts)
			want := image.Rect(0, 0, 2*o.Padding+testCols*cw, 2*o.Padding+testRows*ch+tc.extra)
			if img.Bounds() != want {
				t.Errorf("bounds = %v, want %v", img.Bounds(), want)
			}
		})
	}
}

func TestRenderColours(t *testing.T) {
	f := newFixture(t, Options{})

	// Truecolor background (48;2): the cells after "bg" are spaces on it.
	x, y := f.find("b")
	if got, want := f.center(x+3, y), hex(0x1E90FF); got != want {
		t.Errorf("truecolor background cell = %v, want %v", got, want)
	}
	if n := f.count(f.cell(x+3, y), hex(0x1E90FF)); n != f.w*f.h {
		t.Errorf("truecolor background covers %d of %d pixels", n, f.w*f.h)
	}

	// Reverse video swaps foreground and background.
	x, y = f.find("R")
	if got, want := f.center(x+1, y), hex(0xFF8800); got != want {
		t.Errorf("reversed space = %v, want the foreground %v", got, want)
	}
	if got, want := f.center(x+2, y), hex(0x002244); got != want {
		t.Errorf("reversed █ = %v, want the background %v", got, want)
	}

	// 256-colour foreground (38;5;201): full-coverage glyph pixels have
	// exactly the xterm colour.
	x, y = f.find("2")
	if n := f.count(f.cell(x, y), toRGBA(ansi.IndexedColor(201))); n < 20 {
		t.Errorf("256-colour glyph has %d pixels of colour 201", n)
	}

	// Bold uses the bold face: the same letter covers more pixels.
	bx, by := f.find("T")
	boldT := f.count(f.cell(bx, by), hex(0xFF5F87))
	plain := Render(lipgloss.NewStyle().Foreground(lipgloss.Color("#FF5F87")).Render("T"), 1, 1, Options{Padding: -1})
	regularT := 0
	for i := 0; i < len(plain.Pix); i += 4 {
		if color.RGBA(hex(0xFF5F87)) == (color.RGBA{plain.Pix[i], plain.Pix[i+1], plain.Pix[i+2], plain.Pix[i+3]}) {
			regularT++
		}
	}
	if boldT <= regularT {
		t.Errorf("bold T has %d solid pixels, regular %d", boldT, regularT)
	}

	// Everything not drawn on is the default background: a cell right of
	// the box, the padding, and the blank last row.
	for _, r := range []image.Rectangle{
		f.cell(testCols-1, 0),
		f.cell(0, testRows-1),
		image.Rect(f.opts.Padding, 2, f.img.Bounds().Dx()-f.opts.Padding, f.opts.Padding),
	} {
		if n := f.count(r, darkBG); n != r.Dx()*r.Dy() {
			t.Errorf("%v: %d of %d pixels are the default background", r, n, r.Dx()*r.Dy())
		}
	}
}

func TestRenderBoxDrawingSeamless(t *testing.T) {
	f := newFixture(t, Options{})
	x0, y0 := f.find("╭")
	x1, _ := f.find("╮")
	_, y1 := f.find("╰")

	// The top border's middle row is border-coloured from where ╭ has
	// curved into the horizontal to where ╮ starts curving down: no gaps at
	// cell boundaries.
	row := f.cell(x0, y0).Min.Y + f.h/2
	for px := f.cell(x0, y0).Max.X - 2; px < f.cell(x1, y0).Min.X+2; px++ {
		if c := f.img.RGBAAt(px, row); c != border {
			t.Fatalf("top border pixel (%d,%d) = %v, want %v", px, row, c, border)
		}
	}
	// Each ─ cell's middle row is border-coloured across its whole width.
	for x := x0 + 1; x < x1; x++ {
		r := f.cell(x, y0)
		if n := f.count(image.Rect(r.Min.X, row, r.Max.X, row+1), border); n != f.w {
			t.Errorf("─ at column %d: %d of %d middle-row pixels are the border colour", x, n, f.w)
		}
	}
	// The left border runs down unbroken from ╭ to ╰.
	col := f.cell(x0, y0).Min.X + f.w/2
	for py := f.cell(x0, y0).Max.Y - 2; py < f.cell(x0, y1).Min.Y+2; py++ {
		if c := f.img.RGBAAt(col, py); c != border {
			t.Fatalf("left border pixel (%d,%d) = %v, want %v", col, py, c, border)
		}
	}
}

func TestRenderBlocksAndBraille(t *testing.T) {
	f := newFixture(t, Options{})
	green := hex(0x04B575)
	x, y := f.find("P")
	// Five full blocks are a solid bar, the ▌ fills its left half.
	bar := f.cell(x+1, y).Union(f.cell(x+5, y))
	if n := f.count(bar, green); n != bar.Dx()*bar.Dy() {
		t.Errorf("█████ has %d of %d pixels filled", n, bar.Dx()*bar.Dy())
	}
	half := f.cell(x+6, y)
	if c := f.img.RGBAAt(half.Min.X+f.w/4, half.Min.Y+f.h/2); c != green {
		t.Errorf("▌ left quarter = %v, want %v", c, green)
	}
	if c := f.img.RGBAAt(half.Min.X+3*f.w/4+1, half.Min.Y+f.h/2); c != darkBG {
		t.Errorf("▌ right quarter = %v, want background", c)
	}
	// ░ is a flat quarter-tone of foreground over background.
	if got, want := f.center(x+7, y), blend(darkBG, green, 0.25); got != want {
		t.Errorf("░ = %v, want %v", got, want)
	}

	// ⣾ has every dot but dot 1 (top left).
	x, y = f.find("⣾")
	m := newFaces(defaultFontSize).metrics
	r := f.cell(x, y)
	for i := range 8 {
		dx, dy, _ := brailleDot(m, i)
		c := f.img.RGBAAt(r.Min.X+int(dx), r.Min.Y+int(dy))
		if on := c == darkFG; on != (i != 0) {
			t.Errorf("⣾ dot %d: pixel %v, want lit=%v", i+1, c, i != 0)
		}
	}
}

func TestRenderWideAndClipped(t *testing.T) {
	f := newFixture(t, Options{})

	// 世 takes two cells; X follows in the third.
	x, y := f.find("世")
	if c := f.g.at(x, y); c.width != 2 || f.g.at(x+1, y).width != 0 {
		t.Errorf("世 width = %d, next cell width %d; want 2 and 0", c.width, f.g.at(x+1, y).width)
	}
	if got := f.g.at(x+2, y).text; got != "X" {
		t.Errorf("cell after 世 holds %q, want X", got)
	}
	// Go Mono has no CJK, so a fallback box spans both cells.
	for i := range 2 {
		if n := f.count(f.cell(x+i, y), darkFG); n == 0 {
			t.Errorf("世 draws nothing in its cell %d", i)
		}
	}

	// The long line is clipped at the last column: the grid holds exactly
	// testCols of its Ls, and no red spills into the right padding.
	_, ly := f.find("L")
	for x := range testCols {
		if got := f.g.at(x, ly).text; got != "L" {
			t.Fatalf("long line cell %d = %q", x, got)
		}
	}
	r := f.cell(testCols-1, ly)
	if c := f.center(testCols-1, ly); c != hex(0xFF0000) && c != darkFG {
		t.Errorf("last column = %v, want the long line", c)
	}
	pad := image.Rect(r.Max.X, r.Min.Y, r.Max.X+f.opts.Padding/2, r.Max.Y)
	if n := f.count(pad, darkBG); n != pad.Dx()*pad.Dy() {
		t.Errorf("right padding beside the long line: %d of %d pixels are background", n, pad.Dx()*pad.Dy())
	}
}

func TestTitleBarAndCorners(t *testing.T) {
	img := Render("hi", 10, 2, Options{Title: "demo"})
	if a := img.RGBAAt(0, 0).A; a != 0 {
		t.Errorf("corner pixel alpha = %d, want transparent outside the rounded window", a)
	}
	w, h := CellSize(Options{})
	mid := img.RGBAAt(img.Bounds().Dx()/2, h*7/8)
	if mid == darkBG {
		t.Errorf("title bar is not shaded")
	}
	// The grid starts below the bar.
	if c := img.RGBAAt(defaultPadding+w/2, h*7/4+defaultPadding+h/2); c == mid {
		t.Errorf("grid area looks like the title bar")
	}
}

func TestLightTheme(t *testing.T) {
	img := Render("\x1b[31mred\x1b[m", 4, 1, LightTheme())
	w, h := CellSize(LightTheme())
	if c := img.RGBAAt(defaultPadding+3*w+w/2, defaultPadding+h/2); c != hex(0xffffff) {
		t.Errorf("light background = %v", c)
	}
	red := toRGBA(LightTheme().Palette[1])
	f := &fixture{t: t, img: img, w: w, h: h, origin: image.Pt(defaultPadding, defaultPadding)}
	if f.count(f.cell(0, 0), red) == 0 {
		t.Errorf("SGR 31 does not use the theme's red %v", red)
	}
}

func TestWritePNGRoundTrip(t *testing.T) {
	img := Render(testFrame(), testCols, testRows, Options{Title: "round trip"})
	path := filepath.Join(t.TempDir(), "shot.png")
	if err := WritePNG(path, img); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if dec.Bounds() != img.Bounds() {
		t.Fatalf("decoded bounds %v, want %v", dec.Bounds(), img.Bounds())
	}
	for y := range img.Bounds().Dy() {
		for x := range img.Bounds().Dx() {
			want := img.RGBAAt(x, y)
			if want.A != 0xff {
				continue // PNG stores straight alpha: premultiplying back may round
			}
			if got := color.RGBAModel.Convert(dec.At(x, y)).(color.RGBA); got != want {
				t.Fatalf("pixel (%d,%d) = %v after decoding, want %v", x, y, got, want)
			}
		}
	}

	// Same input, same bytes: golden files are possible.
	path2 := filepath.Join(t.TempDir(), "again.png")
	if err := WritePNG(path2, Render(testFrame(), testCols, testRows, Options{Title: "round trip"})); err != nil {
		t.Fatal(err)
	}
	data2, err := os.ReadFile(path2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, data2) {
		t.Error("rendering the same frame twice gave different PNG bytes")
	}
}

func TestWritePNGError(t *testing.T) {
	if err := WritePNG(filepath.Join(t.TempDir(), "missing", "x.png"), image.NewRGBA(image.Rect(0, 0, 1, 1))); err == nil {
		t.Error("WritePNG into a missing directory succeeded")
	}
}

func TestRenderDegenerate(t *testing.T) {
	// Empty frames, zero sizes and junk must not panic.
	for _, frame := range []string{"", "\x1b[", "\x1b]8;;", "\xff\xfe", "a\x1b[38;5m b", "\x1b[38;2;1mX", strings.Repeat("\n", 100)} {
		Render(frame, 3, 2, Options{})
		Render(frame, 0, 0, Options{Padding: -1})
	}
}
