package ui

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var updateReadme = flag.Bool("update-readme", false, "rewrite the README's key table from the keymap")

// The README's key table is generated from the one keymap declaration;
// this test fails when they drift apart (fix with -update-readme).
func TestReadmeKeyTable(t *testing.T) {
	const start, end = "<!-- keys:start -->\n", "<!-- keys:end -->"
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i, j := strings.Index(s, start), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q ... %q section", start, end)
	}
	want := DefaultKeyMap().MarkdownTable()
	if got := s[i+len(start) : j]; got != want {
		if *updateReadme {
			s = s[:i+len(start)] + want + s[j:]
			if err := os.WriteFile("../README.md", []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("README key table is stale; run go test ./ui -run ReadmeKeyTable -update-readme\nwant:\n%s", want)
	}
}
