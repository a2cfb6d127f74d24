package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Prune.TTL != "30d" || c.Prune.KeepLatest != 2 || c.Mirrors["team"].URL == "" || c.Path != path {
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
	} {
		_, err := Parse("cfg.toml", []byte(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) error = %v, want it to contain %q", tc.body, err, tc.want)
		}
	}
}
