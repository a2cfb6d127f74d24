// Package screenshot turns a terminal frame — the string a bubbletea View
// returns, text with ANSI SGR escape sequences — into a PNG image of how it
// looks in a terminal, so README screenshots can be made by a plain Go
// command with no terminal, browser or recorder involved.
//
// Rendering is deterministic: the same frame and options give the same
// pixels (and PNG bytes) for a given Go toolchain, platform and set of
// dependency versions, so images can be compared against golden files.
package screenshot

import (
	"bufio"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"sync"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/gofont/gomonobolditalic"
	"golang.org/x/image/font/gofont/gomonoitalic"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/norm"
)

// Render draws frame as it would look in a terminal of cols×rows cells.
// Lines are separated by "\n"; text past the last column or row is clipped
// and missing lines are left blank. The image is the cell grid surrounded by
// opts.Padding pixels, plus a title bar when opts.Title is set: its size is
// (2·Padding + cols·cellW) × (bar + 2·Padding + rows·cellH), see CellSize.
func Render(frame string, cols, rows int, opts Options) *image.RGBA {
	o := opts.withDefaults()
	cols, rows = max(cols, 0), max(rows, 0)
	f := newFaces(o.FontSize)
	m := f.metrics
	g := parse(frame, cols, rows)

	bar := titleBarHeight(o, m)
	img := image.NewRGBA(image.Rect(0, 0, 2*o.Padding+cols*m.w, bar+2*o.Padding+rows*m.h))
	bg := toRGBA(o.Background)
	fillRect(img, img.Bounds(), bg)
	if bar > 0 {
		drawTitleBar(img, o, f, bar)
	}

	origin := image.Pt(o.Padding, bar+o.Padding)
	cellRect := func(x, y, w int) image.Rectangle {
		p := origin.Add(image.Pt(x*m.w, y*m.h))
		return image.Rect(p.X, p.Y, p.X+w*m.w, p.Y+m.h)
	}
	// Three passes, so that glyphs overhanging their cell (italics, the
	// tails of some letters) are not cut off by the neighbour's background,
	// and decorations lie on top of everything.
	for y := range rows {
		for x := range cols {
			_, cbg := o.colors(g.at(x, y).st)
			fillRect(img, cellRect(x, y, 1), cbg)
		}
	}
	for y := range rows {
		for x := range cols {
			c := g.at(x, y)
			if c.width == 0 || c.text == "" || c.text == " " {
				continue
			}
			fg, cbg := o.colors(c.st)
			f.drawGrapheme(img, cellRect(x, y, c.width), c, fg, cbg)
		}
	}
	for y := range rows {
		for x := range cols {
			c := g.at(x, y)
			if c.st.underline != ulNone || c.st.attrs&(attrStrike|attrOverline) != 0 {
				fg, _ := o.colors(c.st)
				ul := fg
				if c.st.ul != nil {
					ul = o.resolve(c.st.ul, o.Foreground)
				}
				drawDecorations(img, m, cellRect(x, y, 1), c.st, fg, ul)
			}
		}
	}
	if o.Padding > 0 {
		roundCorners(img, float64(min(o.Padding, 10*m.line)), bg, m)
	}
	return img
}

// CellSize returns the size in pixels of one terminal cell for opts.
func CellSize(opts Options) (w, h int) {
	m := newFaces(opts.withDefaults().FontSize).metrics
	return m.w, m.h
}

// WritePNG encodes img as a PNG file at path.
func WritePNG(path string, img image.Image) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriter(f)
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(w, img); err != nil {
		return err
	}
	return w.Flush()
}

// colors resolves a cell's foreground and background the way a terminal
// does: defaults and palette first, then reverse, faint and conceal.
func (o *Options) colors(st style) (fg, bg color.RGBA) {
	fg = o.resolve(st.fg, o.Foreground)
	bg = o.resolve(st.bg, o.Background)
	if st.attrs&attrReverse != 0 {
		fg, bg = bg, fg
	}
	if st.attrs&attrFaint != 0 {
		fg = blend(fg, bg, 0.45)
	}
	if st.attrs&attrConceal != 0 {
		fg = bg
	}
	return fg, bg
}

// parsedFonts holds Go Mono regular, bold, italic and bold italic. Parsing
// happens once; sfnt.Font is safe for concurrent use, faces are not, so
// each Render makes its own.
var parsedFonts = sync.OnceValue(func() [4]*opentype.Font {
	var fs [4]*opentype.Font
	for i, ttf := range [][]byte{gomono.TTF, gomonobold.TTF, gomonoitalic.TTF, gomonobolditalic.TTF} {
		f, err := opentype.Parse(ttf)
		if err != nil {
			panic("screenshot: embedded Go Mono font: " + err.Error())
		}
		fs[i] = f
	}
	return fs
})

type faces struct {
	face    [4]font.Face // indexed by bold | italic<<1
	metrics metrics
}

func newFaces(size float64) *faces {
	f := &faces{}
	for i, ft := range parsedFonts() {
		// Full hinting snaps metrics and advances to whole pixels, which
		// keeps every glyph aligned with the integer cell grid.
		face, err := opentype.NewFace(ft, &opentype.FaceOptions{Size: size, DPI: dpi, Hinting: font.HintingFull})
		if err != nil {
			panic("screenshot: " + err.Error())
		}
		f.face[i] = face
	}
	fm := f.face[0].Metrics()
	adv, _ := f.face[0].GlyphAdvance('M')
	f.metrics = metrics{
		w:         adv.Ceil(),
		h:         fm.Ascent.Ceil() + fm.Descent.Ceil(),
		ascent:    fm.Ascent.Ceil(),
		capHeight: fm.CapHeight.Round(),
		xHeight:   fm.XHeight.Round(),
		line:      max(1, int(math.Round(size*dpi/72/12))),
	}
	return f
}

func (f *faces) pick(st style) font.Face {
	i := 0
	if st.attrs&attrBold != 0 {
		i |= 1
	}
	if st.attrs&attrItalic != 0 {
		i |= 2
	}
	return f.face[i]
}

// drawGrapheme draws one grapheme cluster into r (one or two cells).
func (f *faces) drawGrapheme(dst *image.RGBA, r image.Rectangle, c *cell, fg, bg color.RGBA) {
	m := f.metrics
	// NFC first: "e" + U+0301 becomes "é", which the font has, while the
	// bare combining accent is not in Go Mono.
	runes := []rune(norm.NFC.String(c.text))
	base := runes[0]
	if c.width == 1 && drawCellGraphic(dst, m, r.Min.X, r.Min.Y, base, fg, bg) {
		return
	}
	face := f.pick(c.st)
	adv, ok := face.GlyphAdvance(base)
	if !ok {
		face = f.face[0] // styled faces could lack a glyph the regular has
		adv, ok = face.GlyphAdvance(base)
	}
	if !ok {
		var s shape
		if !symbolShape(&s, m, base) {
			tofu(&s, m, r.Dx())
		}
		s.fill(dst, r, fg)
		return
	}
	d := font.Drawer{Dst: dst, Src: image.NewUniform(fg), Face: face}
	// Centre the glyph in its cells: a no-op for narrow glyphs (their
	// advance is the cell width), and right for wide ones.
	x := fixed.I(r.Min.X) + (fixed.I(r.Dx())-adv)/2
	d.Dot = fixed.Point26_6{X: x, Y: fixed.I(r.Min.Y + m.ascent)}
	d.DrawString(string(base))
	// Combining marks that survived NFC: place each so that it ends where
	// the base glyph ends — right for both zero-advance marks (drawn left
	// of the pen) and spacing ones (centred in their own advance).
	for _, mark := range runes[1:] {
		if !unicode.In(mark, unicode.Mn, unicode.Me) {
			continue // ZWJ, variation selectors, emoji modifiers
		}
		if madv, ok := face.GlyphAdvance(mark); ok {
			d.Dot.X = x + adv - madv
			d.DrawString(string(mark))
		}
	}
}

// tofu is the fallback for glyphs nothing can draw: an outlined box the
// size of a capital letter, like terminals show.
func tofu(s *shape, m metrics, width int) {
	inset := float32(m.w) * 0.18
	top := float32(m.ascent - m.capHeight)
	base := float32(m.ascent)
	lw := float32(max(1, m.line/2))
	x0, x1 := inset, float32(width)-inset
	s.rect(x0, top, x1, top+lw)
	s.rect(x0, base-lw, x1, base)
	s.rect(x0, top, x0+lw, base)
	s.rect(x1-lw, top, x1, base)
}

// drawDecorations draws underline (in its style), strikethrough and
// overline for one cell. Patterns are phased on absolute x so that they run
// on smoothly across cells.
func drawDecorations(dst *image.RGBA, m metrics, r image.Rectangle, st style, fg, ul color.RGBA) {
	t := m.line
	base := r.Min.Y + m.ascent
	descent := m.h - m.ascent
	uy := base + max(1, descent/3) // underline top, in the descender area
	hline := func(y, h int, c color.RGBA) {
		fillRect(dst, image.Rect(r.Min.X, y, r.Max.X, y+h), c)
	}
	switch st.underline {
	case ulSingle:
		hline(uy, t, ul)
	case ulDouble:
		th := max(1, t/2)
		hline(uy-th, th, ul)
		hline(uy+th, th, ul)
	case ulCurly:
		var s shape
		amp := float64(max(t, descent/4))
		mid := float64(uy-r.Min.Y) + float64(t)/2
		period := float64(m.w)
		var pts [][2]float32
		for i := -1; i <= r.Dx()+1; i++ {
			px := float64(r.Min.X + i)
			y := mid + amp*math.Sin(2*math.Pi*px/period)
			pts = append(pts, [2]float32{float32(i), float32(y)})
		}
		s.polyline(float32(t)*0.8, false, pts...)
		s.fill(dst, r, ul)
	case ulDotted, ulDashed:
		on, period := t, 2*t
		if st.underline == ulDashed {
			on, period = 3*t, 5*t
		}
		for x := r.Min.X; x < r.Max.X; x++ {
			if x%period < on {
				fillRect(dst, image.Rect(x, uy, x+1, uy+t), ul)
			}
		}
	}
	if st.attrs&attrStrike != 0 {
		hline(base-m.xHeight/2-t/2, t, fg)
	}
	if st.attrs&attrOverline != 0 {
		hline(r.Min.Y, t, fg)
	}
}

// titleBarHeight is 0 without a title; with one, a bar tall enough for the
// title text and the window buttons.
func titleBarHeight(o Options, m metrics) int {
	if o.Title == "" {
		return 0
	}
	return m.h * 7 / 4
}

// drawTitleBar paints a macOS-style bar: three muted window buttons on the
// left and the title centred in a faded text colour, separated from the
// terminal by a hairline.
func drawTitleBar(img *image.RGBA, o Options, f *faces, h int) {
	m := f.metrics
	fg, bg := toRGBA(o.Foreground), toRGBA(o.Background)
	shade := hex(0xffffff)
	if luminance(bg) > 128 {
		shade = hex(0x000000)
	}
	barBG := blend(bg, shade, 0.05)
	w := img.Bounds().Dx()
	fillRect(img, image.Rect(0, 0, w, h), barBG)
	fillRect(img, image.Rect(0, h-max(1, m.line/2), w, h), blend(bg, fg, 0.12))

	rad := float32(h) * 0.17
	cx := float32(max(o.Padding, m.w)) + rad
	cy := float32(h) / 2
	for _, c := range []color.RGBA{hex(0xff5f57), hex(0xfebc2e), hex(0x28c840)} {
		var s shape
		s.circle(cx, cy, rad)
		s.fill(img, image.Rect(0, 0, w, h), c) // the bar only: rasterizers cost per pixel
		cx += rad * 3.2
	}
	left := int(cx) // the title must stay clear of the buttons on both sides
	room := w - 2*left

	face := f.face[0]
	title := []rune(o.Title)
	width := font.MeasureString(face, string(title)).Ceil()
	for width > room && len(title) > 0 {
		title = title[:len(title)-1]
		width = font.MeasureString(face, string(title)+"…").Ceil()
		if width <= room {
			title = append(title, '…')
		}
	}
	if len(title) == 0 {
		return
	}
	d := font.Drawer{Dst: img, Src: image.NewUniform(blend(fg, barBG, 0.35)), Face: face}
	d.Dot = fixed.P((w-width)/2, h/2+m.capHeight/2)
	d.DrawString(string(title))
}

// roundCorners gives the window rounded, anti-aliased corners (transparent
// outside) and a subtle border, so the screenshot reads as a window on both
// light and dark pages.
func roundCorners(img *image.RGBA, radius float64, bg color.RGBA, m metrics) {
	b := img.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	border := blend(bg, hex(0x808080), 0.35)
	bw := float64(max(1, m.line/2))
	for y := range b.Dy() {
		for x := range b.Dx() {
			// Signed distance from the pixel centre to the rounded rectangle.
			px, py := float64(x)+0.5, float64(y)+0.5
			dx := math.Abs(px-w/2) - (w/2 - radius)
			dy := math.Abs(py-h/2) - (h/2 - radius)
			sd := math.Hypot(math.Max(dx, 0), math.Max(dy, 0)) + math.Min(math.Max(dx, dy), 0) - radius
			if sd < -bw-1 {
				continue
			}
			i := img.PixOffset(x, y)
			px4 := img.Pix[i : i+4 : i+4]
			c := blend(color.RGBA{px4[0], px4[1], px4[2], 0xff}, border, clamp01(sd+bw+0.5))
			a := clamp01(0.5 - sd)
			// image.RGBA is alpha-premultiplied.
			px4[0] = uint8(float64(c.R)*a + 0.5)
			px4[1] = uint8(float64(c.G)*a + 0.5)
			px4[2] = uint8(float64(c.B)*a + 0.5)
			px4[3] = uint8(255*a + 0.5)
		}
	}
}

func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }
