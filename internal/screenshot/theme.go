package screenshot

import (
	"image/color"

	"github.com/charmbracelet/x/ansi"
)

// Options describes the virtual terminal a frame is drawn in. The zero value
// is usable: every unset field takes its value from DarkTheme.
type Options struct {
	// Foreground and Background are the terminal's default colours (SGR 39
	// and 49).
	Foreground, Background color.Color

	// Palette holds the 16 ANSI colours (30–37, 90–97 and indices 0–15 of
	// the 256-colour palette). Indices 16–255 always use the xterm values,
	// like every common terminal does.
	Palette [16]color.Color

	// FontSize is the font size in points. Frames are rendered at 144 DPI
	// (2× pixel density) so they stay sharp on high-DPI screens; the
	// default 14pt gives a 17×33 pixel cell.
	FontSize float64

	// Padding is the margin in pixels between the window edge and the cell
	// grid. Zero means the default (24); a negative value means none.
	Padding int

	// Title, when not empty, adds a window title bar showing it.
	Title string
}

// DarkTheme returns options for a dark terminal: light grey on near-black,
// with a palette in the spirit of One Half Dark.
func DarkTheme() Options {
	return Options{
		Foreground: hex(0xd4d7dd),
		Background: hex(0x1b1d23),
		Palette: [16]color.Color{
			hex(0x3a3f4b), hex(0xe06c75), hex(0x98c379), hex(0xe5c07b),
			hex(0x61afef), hex(0xc678dd), hex(0x56b6c2), hex(0xc8ccd4),
			hex(0x5c6370), hex(0xff7b86), hex(0xb5e48c), hex(0xffd68a),
			hex(0x82c4ff), hex(0xdf8ff0), hex(0x70d4e0), hex(0xf2f4f7),
		},
		FontSize: defaultFontSize,
		Padding:  defaultPadding,
	}
}

// LightTheme returns options for a light terminal: near-black on white, with
// a palette in the spirit of One Half Light.
func LightTheme() Options {
	return Options{
		Foreground: hex(0x2b2d33),
		Background: hex(0xffffff),
		Palette: [16]color.Color{
			hex(0x383a42), hex(0xd83b35), hex(0x3f8f3e), hex(0xb07800),
			hex(0x0a6fc2), hex(0xa0269e), hex(0x08879f), hex(0xb4b6bd),
			hex(0x696c77), hex(0xe45649), hex(0x50a14f), hex(0xc18401),
			hex(0x2a8be0), hex(0xb43cb0), hex(0x0997b3), hex(0xd8dae0),
		},
		FontSize: defaultFontSize,
		Padding:  defaultPadding,
	}
}

const (
	defaultFontSize = 14
	defaultPadding  = 24
	dpi             = 144 // 2× pixel density: crisp on retina screens and on GitHub
)

// withDefaults fills every unset field from DarkTheme so callers can set
// only what they care about.
func (o Options) withDefaults() Options {
	d := DarkTheme()
	if o.Foreground == nil {
		o.Foreground = d.Foreground
	}
	if o.Background == nil {
		o.Background = d.Background
	}
	for i, c := range o.Palette {
		if c == nil {
			o.Palette[i] = d.Palette[i]
		}
	}
	if o.FontSize <= 0 {
		o.FontSize = defaultFontSize
	}
	switch {
	case o.Padding == 0:
		o.Padding = defaultPadding
	case o.Padding < 0:
		o.Padding = 0
	}
	return o
}

// resolve turns a colour as parsed from SGR into concrete RGBA. nil means
// "terminal default"; the 16 basic colours go through the theme's palette so
// a frame looks like it would in a terminal using that theme.
func (o *Options) resolve(c, def color.Color) color.RGBA {
	switch c := c.(type) {
	case nil:
		return toRGBA(def)
	case ansi.BasicColor:
		return toRGBA(o.Palette[c&15])
	case ansi.IndexedColor:
		if c < 16 {
			return toRGBA(o.Palette[c])
		}
	}
	if _, _, _, a := c.RGBA(); a == 0 {
		// SGR 38:1 ("transparent") has no sensible meaning here.
		return toRGBA(def)
	}
	return toRGBA(c)
}

func toRGBA(c color.Color) color.RGBA {
	r, g, b, _ := c.RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 0xff}
}

func hex(v uint32) color.RGBA {
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
}

// blend mixes a toward b by t (0 = a, 1 = b). Plain sRGB interpolation is
// what terminals do for faint text, so it matches what people expect.
func blend(a, b color.RGBA, t float64) color.RGBA {
	mix := func(x, y uint8) uint8 {
		return uint8(float64(x) + (float64(y)-float64(x))*t + 0.5)
	}
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 0xff}
}

// luminance is a rough perceived brightness (0–255), used to pick chrome
// colours that suit both dark and light themes.
func luminance(c color.RGBA) float64 {
	return 0.2126*float64(c.R) + 0.7152*float64(c.G) + 0.0722*float64(c.B)
}
