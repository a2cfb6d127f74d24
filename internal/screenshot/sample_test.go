package screenshot

import (
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
)

var samplePath = flag.String("sample", "", "also write a sample screenshot to this PNG path (e.g. /tmp/screenshot-sample.png)")

// sampleFrame is a busy lipgloss v2 frame exercising most of what Render
// supports, for eyeballing the output.
func sampleFrame() string {
	accent := lipgloss.Color("#7D56F4")
	title := lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#FAFAFA")).Background(accent).Padding(0, 1).Render("modcache")
	dim := lipgloss.NewStyle().Faint(true)
	green := lipgloss.NewStyle().Foreground(lipgloss.Color("2"))
	red := lipgloss.NewStyle().Foreground(lipgloss.Color("1"))
	yellow := lipgloss.NewStyle().Foreground(lipgloss.Color("214"))
	sel := lipgloss.NewStyle().Reverse(true)

	bar := lipgloss.NewStyle().Foreground(lipgloss.Color("#04B575")).Render(strings.Repeat("█", 17)+"▋") +
		dim.Render(strings.Repeat("░", 10))
	lines := []string{
		title + " " + dim.Render("· 1.2 GiB in 342 modules"),
		"",
		sel.Render("▸ golang.org/x/text       v0.43.0   12 MiB"),
		"  github.com/spf13/cobra   v1.10.2  " + green.Render("✓ ok"),
		"  charm.land/lipgloss/v2   v2.0.6   " + red.Render("✗ stale"),
		"  " + lipgloss.NewStyle().Italic(true).Render("example.com/世界") + "      " + yellow.Render("⚠ 1 warning"),
		"",
		lipgloss.NewStyle().Foreground(lipgloss.Color("#FF5F87")).Render("⣾") + " scanning " + bar + " 64%",
		lipgloss.NewStyle().Underline(true).Render("underlined") + " " +
			lipgloss.NewStyle().Strikethrough(true).Render("struck") + " " +
			lipgloss.NewStyle().UnderlineStyle(lipgloss.UnderlineCurly).Render("curly") + " " +
			lipgloss.NewStyle().Foreground(lipgloss.Color("4")).Render("blue") + " " +
			lipgloss.NewStyle().Foreground(lipgloss.Color("13")).Render("magenta") + " ◆ ● ○ → … ★",
		dim.Render("↑/↓ move • enter open • q quit"),
	}
	box := lipgloss.NewStyle().
		Border(lipgloss.RoundedBorder()).BorderForeground(accent).
		Padding(0, 1).
		Render(strings.Join(lines, "\n"))

	grid := "┌──┬──┐ ╔══╦══╗ ┏━━┳━━┓ ▀▄▌▐▖▗▘▝ ⠋⠙⠹⠸⠼⠴⠦⠧\n" +
		"├──┼──┤ ╠══╬══╣ ┣━━╋━━┫ ▁▂▃▄▅▆▇█ ▏▎▍▌▋▊▉█\n" +
		"└──┴──┘ ╚══╩══╝ ┗━━┻━━┛ ╱╲╳ ┄┈╌ ╒╤╕╓╥╖ ▰▱"
	return box + "\n" + grid
}

// TestSample renders the sample frame on both themes and writes PNGs that
// decode back to the same size: to -sample=/path.png for a person to look
// at, or to a temp dir.
func TestSample(t *testing.T) {
	out := *samplePath
	if out == "" {
		out = filepath.Join(t.TempDir(), "sample.png")
	}
	for _, theme := range []struct {
		name string
		opts Options
	}{{"", DarkTheme()}, {"-light", LightTheme()}} {
		opts := theme.opts
		opts.Title = "modcache — ~/go/pkg/mod"
		img := Render(sampleFrame(), 64, 17, opts)
		path := strings.TrimSuffix(out, ".png") + theme.name + ".png"
		if err := WritePNG(path, img); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		back, err := png.Decode(f)
		f.Close()
		if err != nil || back.Bounds() != img.Bounds() {
			t.Fatalf("%s does not decode to the rendered image: %v", path, err)
		}
		t.Logf("wrote %s (%dx%d)", path, img.Bounds().Dx(), img.Bounds().Dy())
	}
}
