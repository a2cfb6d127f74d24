package cache

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/module"

	"github.com/modcache/modcache/internal/config"
	"github.com/modcache/modcache/internal/fixture"
	"github.com/modcache/modcache/internal/units"
)

func TestProjectPins(t *testing.T) {
	fc := fixture.NewCache(t)
	pins, note, err := ProjectPins(context.Background(), fc.Project, fc.Env)
	if err != nil || note != "" {
		t.Fatalf("pins: %v, note %q", err, note)
	}
	want := []module.Version{
		{Path: "example.com/alpha", Version: "v1.2.0"},
		{Path: "example.com/beta", Version: "v1.0.0"}, // only its go.mod, from alpha's requirements
		{Path: "example.com/beta", Version: "v1.1.0"},
		{Path: "example.com/Azure/Storage", Version: "v0.1.0"},
		{Path: "example.com/gamma/v2", Version: "v2.0.0"},
		{Path: "example.com/old", Version: "v1.1.0"},
	}
	for _, mv := range want {
		if !pins[mv] {
			t.Errorf("%v not pinned", mv)
		}
	}
	if len(pins) != len(want) || pins[module.Version{Path: "example.com/alpha", Version: "v1.0.0"}] {
		t.Errorf("pins %v, want exactly %v", pins, want)
	}

	// A replacement is pinned, and a build list go cannot compute offline
	// leaves a note, not an error.
	gomod := filepath.Join(fc.Project, "go.mod")
	data, _ := os.ReadFile(gomod)
	os.WriteFile(gomod, append(data, "\nreplace example.com/old => example.com/alpha v1.0.0\n"...), 0o644)
	_, base := fc.Files(t, "example.com/beta", "v1.0.0")
	os.Remove(base + ".mod")
	pins, note, err = ProjectPins(context.Background(), fc.Project, fc.Env)
	if err != nil || !strings.Contains(note, "could not be computed offline") {
		t.Errorf("err %v, note %q", err, note)
	}
	if !pins[module.Version{Path: "example.com/alpha", Version: "v1.0.0"}] || !pins[module.Version{Path: "example.com/beta", Version: "v1.0.0"}] {
		t.Errorf("replacement or go.sum pins missing: %v", pins)
	}
	if _, _, err := ProjectPins(context.Background(), t.TempDir(), nil); err == nil || !strings.Contains(err.Error(), "go.mod") {
		t.Errorf("a directory without go.mod: %v", err)
	}
}

func TestProjectDirsExpandsHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, d := range []string{"src/app", "src/lib", "src/notes"} {
		os.MkdirAll(filepath.Join(home, d), 0o755)
	}
	os.WriteFile(filepath.Join(home, "src/app/go.mod"), []byte("module app\n"), 0o644)
	os.WriteFile(filepath.Join(home, "src/lib/go.mod"), []byte("module lib\n"), 0o644)
	dirs, notes, err := ProjectDirs([]string{"~/src/*", "~/src/app", "~/nowhere/*"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(home, "src/app"), filepath.Join(home, "src/lib")}
	if strings.Join(dirs, ",") != strings.Join(want, ",") {
		t.Errorf("dirs %v, want %v", dirs, want)
	}
	if len(notes) != 2 || !strings.Contains(notes[1], "~/nowhere/*") {
		// ~/src/app adds nothing new, so it is reported too.
		t.Errorf("notes %v", notes)
	}
}

func TestPolicyFromConfig(t *testing.T) {
	p, err := PolicyFromConfig(config.Prune{TTL: "30d", KeepFree: "20%", KeepLatest: 2, Mode: "dir", Keep: []string{"corp.example"}, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.TTL != 30*24*60*60*1e9 || p.KeepFree != (units.SizeOrPercent{Percent: 20}) || p.KeepLatest != 2 || p.Mode != ModeDir || len(p.Keep) != 1 || !p.Force {
		t.Errorf("policy %+v", p)
	}
	if got := p.String(); got != "ttl 30d, keep-free 20%, keep-latest 2, mode dir, force" {
		t.Errorf("String() = %q", got)
	}
	if _, err := PolicyFromConfig(config.Prune{Mode: "half"}); err == nil || !strings.Contains(err.Error(), "[prune] mode") {
		t.Errorf("bad mode: %v", err)
	}
	if p, _ := PolicyFromConfig(config.Prune{}); p.HasGoal() || p.Mode != ModeAuto {
		t.Errorf("empty section: %+v", p)
	}
}
