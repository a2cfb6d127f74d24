package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	body := `# modcache config
[prune]
ttl = "30d"
keep-free = "20%"
keep-latest = 2
keep = ["example.com/private/*"]

[mirrors.team]
url = "s3://bucket/prefix?endpoint=127.0.0.1:9000"

[remote]
timeout = "90s"
`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Prune.TTL != "30d" || c.Prune.KeepLatest != 2 || c.Mirrors["team"].URL == "" || c.Path != path || c.RemoteTimeout() != 90*time.Second {
		t.Errorf("unexpected config %+v", c)
	}
	if c, err := Load(filepath.Join(dir, "missing.toml")); err != nil || c.Path != "" {
		t.Errorf("missing file: %v, %+v", err, c)
	}
}

func TestErrorsNameFileLineKey(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"[prune]\nttl = \"30d\"\ntll = \"1d\"\n", `cfg.toml:3: unknown key "prune.tll"`},
		{"[prune]\n\nkeep-latest = \"two\"\n", `cfg.toml:3: key "prune.keep-latest"`},
		{"[prune]\nttl = \"soon\"\n", `cfg.toml:2: key "prune.ttl": invalid duration "soon"`},
		{"[prune]\nmode = \"half\"\n", `cfg.toml:2: key "prune.mode": invalid mode "half"`},
		{"[prune]\nmax-size = \"lots\"\n", `cfg.toml:2: key "prune.max-size"`},
		{"[mirrors.x]\nregion = \"eu\"\n", `cfg.toml:1: key "mirrors.x.url": missing`},
		{"[prune\nttl = 1\n", `cfg.toml:1:`},
		{"[remote]\ntimeout = \"quick\"\n", `cfg.toml:2: key "remote.timeout": invalid duration "quick"`},
		{"[remote]\ntimeout = \"0\"\n", `cfg.toml:2: key "remote.timeout": "0" is too short`},
	} {
		_, err := Parse("cfg.toml", []byte(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) error = %v, want it to contain %q", tc.body, err, tc.want)
		}
	}
}

// The README's example config is valid: people copy it.
func TestReadmeExample(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(data), "## Configuration")
	_, block, ok := strings.Cut(rest, "```toml\n")
	block, _, _ = strings.Cut(block, "```")
	if !ok || block == "" {
		t.Fatal("README has no ```toml block under ## Configuration")
	}
	c, err := Parse("README.md", []byte(block))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Mirrors) == 0 || c.RemoteTimeout() == 0 || c.Prune.TTL == "" {
		t.Errorf("the example lost its sections: %+v", c)
	}
}
