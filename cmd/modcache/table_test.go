package main

import (
	"fmt"
	"strings"
	"testing"
	"text/tabwriter"
)

// TestTableTrimsTrailingBlanks: tables keep their alignment but no line
// ends in padding, even when the last column is empty or right-aligned.
func TestTableTrimsTrailingBlanks(t *testing.T) {
	for _, flags := range []uint{0, tabwriter.AlignRight} {
		var b strings.Builder
		tw := newTable(&b, flags)
		fmt.Fprintln(tw, "MODULE\tVERSION\tPROBLEM")
		fmt.Fprintln(tw, "example.com/a\tv1.0.0\t")
		fmt.Fprintln(tw, "example.com/longer/path\tv1.2.3\tzip is  invalid")
		fmt.Fprintln(tw, "  indented  \tx\t")
		tw.Flush()
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		if len(lines) != 4 {
			t.Fatalf("flags %d: %q", flags, b.String())
		}
		for _, l := range lines {
			if strings.HasSuffix(l, " ") {
				t.Errorf("flags %d: trailing blanks in %q", flags, l)
			}
		}
		if flags == 0 && (!strings.HasPrefix(lines[1], "example.com/a            v1.0.0") || !strings.HasSuffix(lines[2], "zip is  invalid") || !strings.HasPrefix(lines[3], "  indented  ")) {
			t.Errorf("alignment or inner spaces lost:\n%s", b.String())
		}
	}
}
