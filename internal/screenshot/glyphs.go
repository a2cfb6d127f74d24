package screenshot

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/vector"
)

// Box drawing, block elements and braille are drawn from geometry rather
// than from the font: their whole point is to join up with neighbouring
// cells, and a font glyph (or a missing one) rarely lines up to the pixel
// with our cell grid. A few symbols that TUIs like but Go Mono lacks (✓, ✗,
// ◆, ▸, ⚠, …) are drawn the same way so they never come out as boxes.

// metrics is the cell geometry shared by all drawing code, in pixels.
type metrics struct {
	w, h      int // cell size
	ascent    int // top of the cell to the baseline
	capHeight int
	xHeight   int
	line      int // thickness of a light box-drawing line and of underlines
}

// shape collects polygons and fills them anti-aliased in one pass. The
// rasterizer accumulates signed coverage, so every polygon is normalised to
// the same winding: overlapping pieces then union instead of cancelling.
type shape struct {
	polys [][][2]float32
}

func (s *shape) poly(pts ...[2]float32) {
	var area float32
	for i, p := range pts {
		q := pts[(i+1)%len(pts)]
		area += p[0]*q[1] - q[0]*p[1]
	}
	if area < 0 {
		for i, j := 0, len(pts)-1; i < j; i, j = i+1, j-1 {
			pts[i], pts[j] = pts[j], pts[i]
		}
	}
	s.polys = append(s.polys, pts)
}

func (s *shape) rect(x0, y0, x1, y1 float32) {
	s.poly([2]float32{x0, y0}, [2]float32{x1, y0}, [2]float32{x1, y1}, [2]float32{x0, y1})
}

func (s *shape) circle(cx, cy, r float32) {
	const n = 32
	pts := make([][2]float32, n)
	for i := range pts {
		a := 2 * math.Pi * float64(i) / n
		pts[i] = [2]float32{cx + r*float32(math.Cos(a)), cy + r*float32(math.Sin(a))}
	}
	s.poly(pts...)
}

// segment adds a stroke of width w from a to b, with round caps when round
// is set (round caps double as joins for polylines).
func (s *shape) segment(a, b [2]float32, w float32, round bool) {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l := float32(math.Hypot(float64(dx), float64(dy)))
	if l == 0 {
		return
	}
	nx, ny := -dy/l*w/2, dx/l*w/2
	s.poly(
		[2]float32{a[0] + nx, a[1] + ny}, [2]float32{b[0] + nx, b[1] + ny},
		[2]float32{b[0] - nx, b[1] - ny}, [2]float32{a[0] - nx, a[1] - ny},
	)
	if round {
		s.circle(a[0], a[1], w/2)
		s.circle(b[0], b[1], w/2)
	}
}

func (s *shape) polyline(w float32, closed bool, pts ...[2]float32) {
	for i := 0; i+1 < len(pts); i++ {
		s.segment(pts[i], pts[i+1], w, true)
	}
	if closed && len(pts) > 2 {
		s.segment(pts[len(pts)-1], pts[0], w, true)
	}
}

// arc adds a stroke of width w along the circle (cx, cy, r) from angle a0 to
// a1 (radians, y axis pointing down).
func (s *shape) arc(cx, cy, r, w float32, a0, a1 float64) {
	const n = 24
	pts := make([][2]float32, 0, 2*(n+1))
	for i := 0; i <= n; i++ {
		a := a0 + (a1-a0)*float64(i)/n
		pts = append(pts, [2]float32{cx + (r+w/2)*float32(math.Cos(a)), cy + (r+w/2)*float32(math.Sin(a))})
	}
	for i := n; i >= 0; i-- {
		a := a0 + (a1-a0)*float64(i)/n
		pts = append(pts, [2]float32{cx + (r-w/2)*float32(math.Cos(a)), cy + (r-w/2)*float32(math.Sin(a))})
	}
	s.poly(pts...)
}

// fill draws the shape in c into dst, with shape coordinates relative to
// r.Min and clipped to r.
func (s *shape) fill(dst *image.RGBA, r image.Rectangle, c color.RGBA) {
	if len(s.polys) == 0 {
		return
	}
	z := vector.NewRasterizer(r.Dx(), r.Dy())
	for _, p := range s.polys {
		z.MoveTo(p[0][0], p[0][1])
		for _, q := range p[1:] {
			z.LineTo(q[0], q[1])
		}
		z.ClosePath()
	}
	z.Draw(dst, r, image.NewUniform(c), image.Point{})
}

func fillRect(dst *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(dst, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// drawCellGraphic draws r procedurally into the cell at (x0, y0) if it is a
// box-drawing, block or braille character, and reports whether it did.
func drawCellGraphic(dst *image.RGBA, m metrics, x0, y0 int, r rune, fg, bg color.RGBA) bool {
	cellR := image.Rect(x0, y0, x0+m.w, y0+m.h)
	switch {
	case r >= 0x2500 && r <= 0x257f:
		var s shape
		boxShape(&s, m, r)
		s.fill(dst, cellR, fg)
	case r >= 0x2580 && r <= 0x259f:
		blockElement(dst, m, cellR, r, fg, bg)
	case r >= 0x2800 && r <= 0x28ff:
		var s shape
		brailleShape(&s, m, r)
		s.fill(dst, cellR, fg)
	default:
		return false
	}
	return true
}

// boxArms gives, for U+2500–U+257F, the weight of the line leaving the cell
// centre towards up, right, down and left: 0 none, 1 light, 2 heavy,
// 3 double. Dashed lines, arcs and diagonals are "" and handled separately.
var boxArms = [128]string{
	"0101", "0202", "1010", "2020", "", "", "", "", "", "", "", "", "0110", "0210", "0120", "0220",
	"0011", "0012", "0021", "0022", "1100", "1200", "2100", "2200", "1001", "1002", "2001", "2002", "1110", "1210", "2110", "1120",
	"2120", "2210", "1220", "2220", "1011", "1012", "2011", "1021", "2021", "2012", "1022", "2022", "0111", "0112", "0211", "0212",
	"0121", "0122", "0221", "0222", "1101", "1102", "1201", "1202", "2101", "2102", "2201", "2202", "1111", "1112", "1211", "1212",
	"2111", "1121", "2121", "2112", "2211", "1122", "1221", "2212", "1222", "2122", "2221", "2222", "", "", "", "",
	"0303", "3030", "0310", "0130", "0330", "0013", "0031", "0033", "1300", "3100", "3300", "1003", "3001", "3003", "1310", "3130",
	"3330", "1013", "3031", "3033", "0313", "0131", "0333", "1303", "3101", "3303", "1313", "3131", "3333", "", "", "",
	"", "", "", "", "0001", "1000", "0100", "0010", "0002", "2000", "0200", "0020", "0201", "1020", "0102", "2010",
}

// dashes describes the dashed lines: horizontal?, heavy?, number of dashes.
var dashes = map[rune]struct {
	horizontal, heavy bool
	n                 int
}{
	'┄': {true, false, 3}, '┅': {true, true, 3}, '┆': {false, false, 3}, '┇': {false, true, 3},
	'┈': {true, false, 4}, '┉': {true, true, 4}, '┊': {false, false, 4}, '┋': {false, true, 4},
	'╌': {true, false, 2}, '╍': {true, true, 2}, '╎': {false, false, 2}, '╏': {false, true, 2},
}

func boxShape(s *shape, m metrics, r rune) {
	W, H, t := m.w, m.h, m.line
	// Lines are centred on (cx, cy) with integer edges so that they stay
	// sharp and meet the same line in the neighbouring cell exactly.
	cx, cy := W/2, H/2
	thick := func(weight byte) int {
		if weight == '2' {
			return 2 * t
		}
		return t
	}
	start := func(c, th int) int { return c - th/2 }
	fx := func(v int) float32 { return float32(v) }

	if d, ok := dashes[r]; ok {
		th := t
		if d.heavy {
			th = 2 * t
		}
		L := W
		if !d.horizontal {
			L = H
		}
		gap := max(t, L/(d.n*3))
		for i := range d.n {
			a := i*L/d.n + gap/2
			b := (i+1)*L/d.n - (gap - gap/2)
			if d.horizontal {
				s.rect(fx(a), fx(start(cy, th)), fx(b), fx(start(cy, th)+th))
			} else {
				s.rect(fx(start(cx, th)), fx(a), fx(start(cx, th)+th), fx(b))
			}
		}
		return
	}

	switch r {
	case '╭', '╮', '╯', '╰':
		// A quarter circle joining two half lines; its ends meet the
		// straight bands exactly, so rounded borders stay seamless.
		lx := float32(start(cx, t)) + float32(t)/2 // centre of the vertical band
		ly := float32(start(cy, t)) + float32(t)/2 // centre of the horizontal band
		// As round as fits in the cell, less a pixel so that each arm meets
		// the cell edge straight (the arc's anti-aliasing stays inside).
		rad := min(lx, float32(W)-lx, ly, float32(H)-ly) - 1
		ft := float32(t)
		hx0, hx1, vy0, vy1 := float32(0), lx-rad, float32(0), ly-rad // left and up pieces
		ox, oy := lx-rad, ly-rad
		var a0 float64
		switch r {
		case '╭':
			hx0, hx1, vy0, vy1 = lx+rad, float32(W), ly+rad, float32(H)
			ox, oy, a0 = lx+rad, ly+rad, math.Pi
		case '╮':
			vy0, vy1 = ly+rad, float32(H)
			oy, a0 = ly+rad, 1.5*math.Pi
		case '╯':
			a0 = 0
		case '╰':
			hx0, hx1 = lx+rad, float32(W)
			ox, a0 = lx+rad, 0.5*math.Pi
		}
		s.arc(ox, oy, rad, ft, a0, a0+0.5*math.Pi)
		if hx1 > hx0 {
			s.rect(hx0, ly-ft/2, hx1, ly+ft/2)
		}
		if vy1 > vy0 {
			s.rect(lx-ft/2, vy0, lx+ft/2, vy1)
		}
		return
	case '╱', '╲', '╳':
		// Run the diagonal past the corners so it meets its neighbours.
		ext := float32(W) / 4
		k := ext * float32(H) / float32(W)
		if r != '╲' {
			s.segment([2]float32{fx(W) + ext, -k}, [2]float32{-ext, fx(H) + k}, float32(t), false)
		}
		if r != '╱' {
			s.segment([2]float32{-ext, -k}, [2]float32{fx(W) + ext, fx(H) + k}, float32(t), false)
		}
		return
	}

	arms := boxArms[r-0x2500]
	if arms == "" {
		return
	}
	// Arms are drawn in a rotated frame: "along" runs from the centre to
	// the arm's edge, "across" is perpendicular. up=0, right=1, down=2,
	// left=3; the perpendicular arms of d are lo (up or left) and hi.
	for d := range 4 {
		w := arms[d]
		if w == '0' {
			continue
		}
		horizontal := d == 1 || d == 3
		positive := d == 1 || d == 2 // spans [stop, L) rather than [0, stop)
		cAlong, cAcross, L := cy, cx, H
		lo, hi := byte(arms[3]), byte(arms[1])
		if horizontal {
			cAlong, cAcross, L = cx, cy, W
			lo, hi = arms[0], arms[2]
		}
		opposite := arms[(d+2)%4]
		dbl := start(cAlong, t) // a double line pair is [dbl-t, dbl) and [dbl+t, dbl+2t)

		// bandStart/End give where a perpendicular arm's line(s) sit on
		// this arm's axis.
		bandStart := func(p byte) int {
			if p == '3' {
				return dbl - t
			}
			return start(cAlong, thick(p))
		}
		bandEnd := func(p byte) int {
			if p == '3' {
				return dbl + 2*t
			}
			return start(cAlong, thick(p)) + thick(p)
		}
		// stopFor finds where a line ending at the centre stops, given the
		// perpendicular arm on its own side (near) and the other one (far).
		stopFor := func(near, far byte) int {
			switch {
			case near == '3' && positive:
				return dbl + t
			case near == '3':
				return dbl
			case near != '0' && positive:
				return bandStart(near)
			case near != '0':
				return bandEnd(near)
			case far != '0' && positive:
				return bandStart(far)
			case far != '0':
				return bandEnd(far)
			}
			return cAlong
		}
		emit := func(stop, a0, a1 int) {
			b0, b1 := stop, L
			if !positive {
				b0, b1 = 0, stop
			}
			if horizontal {
				s.rect(fx(b0), fx(a0), fx(b1), fx(a1))
			} else {
				s.rect(fx(a0), fx(b0), fx(a1), fx(b1))
			}
		}

		if w == '3' {
			ds := start(cAcross, t)
			emit(stopFor(lo, hi), ds-t, ds)
			emit(stopFor(hi, lo), ds+t, ds+2*t)
			continue
		}
		th := thick(w)
		var stop int
		switch {
		case opposite == '0' && lo == '3' && hi == '3':
			// A stub off a double line (╟ ╤) attaches to the near line only.
			stop = dbl
			if positive {
				stop = dbl + t
			}
		case positive:
			// Reach across every perpendicular line so joints have no notch.
			stop = cAlong
			for _, p := range []byte{lo, hi} {
				if p != '0' {
					stop = min(stop, bandStart(p))
				}
			}
		default:
			stop = cAlong
			for _, p := range []byte{lo, hi} {
				if p != '0' {
					stop = max(stop, bandEnd(p))
				}
			}
		}
		emit(stop, start(cAcross, th), start(cAcross, th)+th)
	}
}

// blockElement fills U+2580–U+259F. Fractions are cut at shared boundaries
// (round(n·k/8)) so that e.g. ▀ over ▄ or ▌ beside ▐ tile without gaps.
func blockElement(dst *image.RGBA, m metrics, cellR image.Rectangle, r rune, fg, bg color.RGBA) {
	W, H := m.w, m.h
	bx := func(k int) int { return int(math.Round(float64(W*k) / 8)) }
	by := func(k int) int { return int(math.Round(float64(H*k) / 8)) }
	rect := func(x0, y0, x1, y1 int) {
		fillRect(dst, image.Rect(x0, y0, x1, y1).Add(cellR.Min), fg)
	}
	switch {
	case r == '▀':
		rect(0, 0, W, by(4))
	case r >= '▁' && r <= '█': // lower k eighths
		rect(0, by(8-int(r-'▀')), W, H)
	case r >= '▉' && r <= '▏': // left 7/8 … 1/8
		rect(0, 0, bx(8-int(r-'█')), H)
	case r == '▐':
		rect(bx(4), 0, W, H)
	case r >= '░' && r <= '▓':
		// Shades as a solid mix: dithering patterns moiré when the PNG is
		// scaled down, a flat tone does not.
		fillRect(dst, cellR, blend(bg, fg, float64(r-'░'+1)/4))
	case r == '▔':
		rect(0, 0, W, by(1))
	case r == '▕':
		rect(bx(7), 0, W, H)
	default: // quadrants ▖ … ▟: bits UL, UR, LL, LR
		quads := map[rune]int{
			'▖': 4, '▗': 8, '▘': 1, '▙': 1 | 4 | 8, '▚': 1 | 8, '▛': 1 | 2 | 4,
			'▜': 1 | 2 | 8, '▝': 2, '▞': 2 | 4, '▟': 2 | 4 | 8,
		}[r]
		mx, my := bx(4), by(4)
		if quads&1 != 0 {
			rect(0, 0, mx, my)
		}
		if quads&2 != 0 {
			rect(mx, 0, W, my)
		}
		if quads&4 != 0 {
			rect(0, my, mx, H)
		}
		if quads&8 != 0 {
			rect(mx, my, W, H)
		}
	}
}

// brailleShape draws U+2800–U+28FF: the low 8 bits select dots 1–8.
func brailleShape(s *shape, m metrics, r rune) {
	for i := range 8 {
		if int(r-0x2800)&(1<<i) != 0 {
			x, y, rad := brailleDot(m, i)
			s.circle(x, y, rad)
		}
	}
}

// brailleDot gives the centre and radius of braille dot i+1 in a cell. Dots
// 1–3 and 7 run down the left column, 4–6 and 8 down the right. The grid
// sits a little inside the cell, roughly square-spaced, like braille in
// most terminal fonts.
func brailleDot(m metrics, i int) (x, y, rad float32) {
	pos := [8][2]float32{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}, {0, 3}, {1, 3}}[i]
	W, H := float32(m.w), float32(m.h)
	dx := W / 2.6
	dy := min(H/4.4, dx*1.25)
	x0 := (W - dx) / 2
	y0 := (H - 3*dy) / 2
	return x0 + pos[0]*dx, y0 + pos[1]*dy, min(dx, dy) * 0.38
}

// symbolShape draws a handful of symbols common in TUIs that Go Mono lacks.
// Coordinates are in units of the cell width around the middle of the
// capital letters, so the symbols sit on the text line like font glyphs.
// It reports false for runes it does not know.
func symbolShape(s *shape, m metrics, r rune) bool {
	u := float32(m.w)
	mx := float32(m.w) / 2
	my := float32(m.ascent) - float32(m.capHeight)/2
	p := func(x, y float32) [2]float32 { return [2]float32{mx + x*u, my + y*u} }
	light := float32(m.line) * 1.2
	heavy := float32(m.line) * 2
	tri := func(dir int, size float32, filled bool) {
		// An isosceles triangle pointing right (0), down (1), left (2) or
		// up (3), centred on the symbol box.
		pts := [][2]float32{{-0.4, -0.46}, {0.46, 0}, {-0.4, 0.46}}
		var out [][2]float32
		for _, q := range pts {
			x, y := q[0]*size, q[1]*size
			for range dir {
				x, y = -y, x
			}
			out = append(out, p(x, y))
		}
		if filled {
			s.poly(out...)
		} else {
			s.polyline(light, true, out...)
		}
	}
	star := func(filled bool) {
		var pts [][2]float32
		for i := range 10 {
			rad := float32(0.5)
			if i%2 == 1 {
				rad = 0.2
			}
			a := -math.Pi/2 + float64(i)*math.Pi/5
			pts = append(pts, p(rad*float32(math.Cos(a)), rad*float32(math.Sin(a))+0.04))
		}
		if filled {
			s.poly(pts...)
		} else {
			s.polyline(light*0.8, true, pts...)
		}
	}
	switch r {
	case '✓', '✔':
		w := light
		if r == '✔' {
			w = heavy
		}
		s.polyline(w, false, p(-0.34, 0.02), p(-0.1, 0.3), p(0.36, -0.36))
	case '✗', '✘', '✕', '✖', '⨯':
		w := light
		if r == '✘' || r == '✖' {
			w = heavy
		}
		s.segment(p(-0.32, -0.36), p(0.32, 0.36), w, true)
		s.segment(p(0.32, -0.36), p(-0.32, 0.36), w, true)
	case '◆', '◇', '❖':
		pts := [][2]float32{p(0, -0.5), p(0.46, 0), p(0, 0.5), p(-0.46, 0)}
		if r == '◇' {
			s.polyline(light, true, pts...)
		} else {
			s.poly(pts...)
		}
	case '▶', '▷', '▼', '▽', '◀', '◁', '▲', '△':
		dir := map[rune]int{'▶': 0, '▷': 0, '▼': 1, '▽': 1, '◀': 2, '◁': 2, '▲': 3, '△': 3}[r]
		tri(dir, 1, r == '▶' || r == '▼' || r == '◀' || r == '▲')
	case '▸', '▹', '▾', '▿', '◂', '◃', '▴', '▵':
		dir := map[rune]int{'▸': 0, '▹': 0, '▾': 1, '▿': 1, '◂': 2, '◃': 2, '▴': 3, '▵': 3}[r]
		tri(dir, 0.7, r == '▸' || r == '▾' || r == '◂' || r == '▴')
	case '★':
		star(true)
	case '☆':
		star(false)
	case '⚠':
		s.polyline(light, true, p(0, -0.52), p(0.5, 0.4), p(-0.5, 0.4))
		s.segment(p(0, -0.2), p(0, 0.1), light, true)
		s.circle(mx, my+0.26*u, light*0.6)
	case '❯', '❮':
		x := float32(0.16)
		if r == '❮' {
			x = -x
		}
		s.polyline(heavy, false, p(-x, -0.36), p(x, 0), p(-x, 0.36))
	case '▰', '▱':
		pts := [][2]float32{p(-0.28, -0.36), p(0.48, -0.36), p(0.28, 0.36), p(-0.48, 0.36)}
		if r == '▰' {
			s.poly(pts...)
		} else {
			s.polyline(light, true, pts...)
		}
	default:
		return false
	}
	return true
}
