package screenshot

import (
	"image/color"

	"github.com/charmbracelet/x/ansi"
)

// attr is a set of SGR text attributes.
type attr uint16

const (
	attrBold attr = 1 << iota
	attrFaint
	attrItalic
	attrReverse
	attrConceal
	attrStrike
	attrOverline
)

// Underline styles, as selected by SGR 4:n (and 4, 21, 24).
const (
	ulNone uint8 = iota
	ulSingle
	ulDouble
	ulCurly
	ulDotted
	ulDashed
)

// style is the graphic rendition in effect for a cell. Colours are kept as
// parsed (nil = default, ansi.BasicColor / ansi.IndexedColor / RGB) and only
// resolved against the theme when drawing.
type style struct {
	fg, bg, ul color.Color
	attrs      attr
	underline  uint8
}

// cell is one terminal cell. A wide grapheme lives in its first cell with
// width 2; the cell to its right is a continuation (width 0) carrying the
// same style so backgrounds and underlines cover both.
type cell struct {
	text  string // grapheme cluster; "" for blank cells and continuations
	width int
	st    style
}

type grid struct {
	cols, rows int
	cells      []cell
}

func (g *grid) at(x, y int) *cell { return &g.cells[y*g.cols+x] }

// parse lays a frame out on a cols×rows grid the way a terminal would:
// SGR state persists across lines, "\n" starts the next line at column 0
// (bubbletea's renderer treats it as CR LF), text beyond the last column or
// row is clipped, and every sequence other than SGR is skipped.
func parse(frame string, cols, rows int) *grid {
	g := &grid{cols: cols, rows: rows, cells: make([]cell, cols*rows)}
	for i := range g.cells {
		g.cells[i].width = 1
	}

	var (
		st    style
		x, y  int
		state byte
		p     = ansi.NewParser()
	)
	for len(frame) > 0 {
		seq, width, n, next := ansi.DecodeSequence(frame, state, p)
		if n <= 0 { // cannot happen with a non-empty input; never spin
			n = 1
		}
		frame, state = frame[n:], next

		switch {
		case isEscape(seq):
			// Only act on complete sequences; an unterminated one at the end
			// of the frame is dropped.
			if next == ansi.NormalState && ansi.HasCsiPrefix(seq) {
				cmd := ansi.Cmd(p.Command())
				if cmd.Final() == 'm' && cmd.Prefix() == 0 && cmd.Intermediate() == 0 {
					applySGR(&st, p.Params())
				}
			}
		case len(seq) == 1 && (seq[0] < 0x20 || seq[0] == 0x7f):
			switch seq[0] {
			case '\n':
				x, y = 0, y+1
			case '\r':
				x = 0
			case '\t':
				x = (x/8 + 1) * 8
			case '\b':
				x = max(0, x-1)
			}
		case width == 0:
			// A zero-width cluster on its own (a stray combining mark, a
			// variation selector at the start of a line): attach it to the
			// previous cell, as a terminal would.
			if x > 0 && x <= cols && y < rows && seq[0] >= 0x80 {
				c := g.at(x-1, y)
				if c.width == 0 && x > 1 {
					c = g.at(x-2, y)
				}
				c.text += seq
			}
		default:
			g.put(x, y, seq, width, st)
			x += width
		}
	}
	return g
}

// isEscape reports whether a decoded sequence is an escape sequence (7-bit
// ESC-introduced or an 8-bit C1 introducer) rather than text or a C0 control.
func isEscape(seq string) bool {
	return seq[0] == ansi.ESC || len(seq) == 1 && seq[0] >= 0x80 && seq[0] <= 0x9f
}

// put stores a grapheme at (x, y), clipping at the grid edge. Overwriting
// half of an existing wide grapheme blanks its other half so no orphaned
// halves are drawn.
func (g *grid) put(x, y int, text string, width int, st style) {
	if y >= g.rows || x+width > g.cols {
		return
	}
	for i := x; i < x+width; i++ {
		c := g.at(i, y)
		if c.width == 0 && i > 0 {
			*g.at(i-1, y) = cell{width: 1, st: g.at(i-1, y).st}
		}
		if c.width == 2 && i+1 < g.cols {
			*g.at(i+1, y) = cell{width: 1, st: g.at(i+1, y).st}
		}
	}
	*g.at(x, y) = cell{text: text, width: width, st: st}
	for i := x + 1; i < x+width; i++ {
		*g.at(i, y) = cell{width: 0, st: st}
	}
}

// applySGR updates st with one SGR sequence's parameters. Colour parameters
// (38/48/58, both ";" and ":" forms) are decoded by ansi.ReadStyleColor.
func applySGR(st *style, params ansi.Params) {
	if len(params) == 0 {
		*st = style{}
		return
	}
	for i := 0; i < len(params); i++ {
		switch n := params[i].Param(0); {
		case n == 0:
			*st = style{}
		case n == 1:
			st.attrs |= attrBold
		case n == 2:
			st.attrs |= attrFaint
		case n == 3:
			st.attrs |= attrItalic
		case n == 4:
			st.underline = ulSingle
			if params[i].HasMore() && i+1 < len(params) {
				// 4:n selects the style: 0 none, 1 single, 2 double,
				// 3 curly, 4 dotted, 5 dashed.
				if s := params[i+1].Param(1); s <= int(ulDashed) {
					st.underline = uint8(s)
				}
			}
		case n == 7:
			st.attrs |= attrReverse
		case n == 8:
			st.attrs |= attrConceal
		case n == 9:
			st.attrs |= attrStrike
		case n == 21:
			st.underline = ulDouble
		case n == 22:
			st.attrs &^= attrBold | attrFaint
		case n == 23:
			st.attrs &^= attrItalic
		case n == 24:
			st.underline = ulNone
		case n == 27:
			st.attrs &^= attrReverse
		case n == 28:
			st.attrs &^= attrConceal
		case n == 29:
			st.attrs &^= attrStrike
		case n >= 30 && n <= 37:
			st.fg = ansi.BasicColor(n - 30)
		case n == 39:
			st.fg = nil
		case n >= 40 && n <= 47:
			st.bg = ansi.BasicColor(n - 40)
		case n == 49:
			st.bg = nil
		case n == 53:
			st.attrs |= attrOverline
		case n == 55:
			st.attrs &^= attrOverline
		case n == 59:
			st.ul = nil
		case n >= 90 && n <= 97:
			st.fg = ansi.BasicColor(n - 90 + 8)
		case n >= 100 && n <= 107:
			st.bg = ansi.BasicColor(n - 100 + 8)
		case n == 38 || n == 48 || n == 58:
			var c color.Color
			used := ansi.ReadStyleColor(params[i:], &c)
			if used == 0 {
				// Malformed colour: its operands cannot be told apart from
				// the following attributes, so drop the rest like xterm.
				return
			}
			if c != nil {
				switch n {
				case 38:
					st.fg = c
				case 48:
					st.bg = c
				default:
					st.ul = c
				}
			}
			i += used - 1
			continue
		}
		// Skip sub-parameters of anything handled above (e.g. "4:3").
		for params[i].HasMore() && i+1 < len(params) {
			i++
		}
	}
}
