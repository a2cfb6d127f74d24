package proxy

import (
	"testing"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		"GOPROXY":    "https://a.example|direct",
		"GONOPROXY":  "corp.example",
		"GOPRIVATE":  "private.example",
		"GOINSECURE": "insecure.example",
		"GOAUTH":     "off",
		"GOMODCACHE": "/ignored",
	}
	cfg := ConfigFromEnv(env)
	want := Config{GOPROXY: "https://a.example|direct", GONOPROXY: "corp.example", GOPRIVATE: "private.example", GOINSECURE: "insecure.example", GOAUTH: "off"}
	if cfg != want {
		t.Errorf("ConfigFromEnv = %+v, want %+v", cfg, want)
	}
	d := Config{}.withDefaults()
	if d.Timeout != 30*time.Second || d.MaxMetaBytes != 16<<20 || d.MaxZipBytes != 500<<20 || d.ZipStallTimeout <= 0 {
		t.Errorf("defaults = %+v", d)
	}
}

func TestNewRejectsBadGOPROXY(t *testing.T) {
	if _, err := New(Config{GOPROXY: "ftp://x.example"}); err == nil {
		t.Error("New accepted an ftp GOPROXY")
	}
}

func TestPrivateAndInsecure(t *testing.T) {
	tests := []struct {
		gonoproxy, goprivate string
		path                 string
		want                 bool
	}{
		{"", "", "corp.example/x", false},
		{"", "corp.example", "corp.example/x", true},
		{"", "corp.example", "corp.example", true},
		{"", "corp.example", "corp.example.org/x", false},
		{"", "*.corp.example", "git.corp.example/x/y", true},
		{"", "github.com/corp/*", "github.com/corp/y/sub", true},
		{"", "github.com/corp/*", "github.com/other/y", false},
		{"other.example", "corp.example", "corp.example/x", false}, // GONOPROXY wins
		{"other.example", "corp.example", "other.example/x", true},
		{"none", "corp.example", "corp.example/x", false},
		{" none ", "corp.example", "corp.example/x", false},
		{"", "a.example,b.example/", "b.example/x", true},
		{"", "a.example, b.example", "b.example/x", false}, // no trimming, as in go
	}
	for _, tt := range tests {
		c := newTestClient(t, Config{GOPROXY: "off", GONOPROXY: tt.gonoproxy, GOPRIVATE: tt.goprivate, GOAUTH: "off"})
		if got := c.Private(tt.path); got != tt.want {
			t.Errorf("GONOPROXY=%q GOPRIVATE=%q: Private(%q) = %v, want %v", tt.gonoproxy, tt.goprivate, tt.path, got, tt.want)
		}
	}

	c := newTestClient(t, Config{GOINSECURE: "*.lan,insecure.example/x", GOAUTH: "off"})
	for path, want := range map[string]bool{
		"git.lan/m":              true,
		"insecure.example/x/sub": true,
		"insecure.example/y":     false,
		"example.com/m":          false,
	} {
		if got := c.Insecure(path); got != want {
			t.Errorf("Insecure(%q) = %v, want %v", path, got, want)
		}
	}
	if got := c.Remotes(); len(got) != 2 || got[0].Name != "proxy.golang.org" {
		t.Errorf("empty GOPROXY gave %v", got)
	}
}
