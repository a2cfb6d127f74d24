// Package config loads modcache's one config file,
// $XDG_CONFIG_HOME/modcache/config.toml (or the OS default config dir).
// Unknown keys and bad values are errors that name the file, line and key,
// because a typo in a prune policy must not silently mean "no policy".
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/modcache/modcache/internal/units"
)

// Config is the whole file. Sections are added by the features that use
// them; every field is optional.
type Config struct {
	Prune   Prune             `toml:"prune"`
	Mirrors map[string]Mirror `toml:"mirrors"`
	Serve   Serve             `toml:"serve"`
	Remote  Remote            `toml:"remote"`

	// Path is where the config was read from ("" when none exists).
	Path string `toml:"-"`
}

// Prune holds the policy `modcache prune` with no flags, and the TUI's
// one-key prune, apply.
type Prune struct {
	TTL        string   `toml:"ttl"`
	MaxSize    string   `toml:"max-size"`
	KeepFree   string   `toml:"keep-free"`
	KeepLatest int      `toml:"keep-latest"`
	Mode       string   `toml:"mode"`
	Projects   []string `toml:"keep-projects"` // globs such as ~/src/*
	Keep       []string `toml:"keep"`          // module path patterns, GOPRIVATE syntax
	Force      bool     `toml:"force"`
}

// Mirror is a named push target and browsable remote.
type Mirror struct {
	URL string `toml:"url"`
	// S3 credentials when not taken from the AWS environment variables.
	AccessKey string `toml:"access-key"`
	SecretKey string `toml:"secret-key"`
	Region    string `toml:"region"`
}

// MirrorNames returns the names of the configured mirrors, sorted, so
// everything that lists them lists them in the same order.
func (c *Config) MirrorNames() []string {
	return slices.Sorted(maps.Keys(c.Mirrors))
}

// Serve configures `modcache serve --ssh`.
type Serve struct {
	MaxSessions int    `toml:"max-sessions"`
	IdleTimeout string `toml:"idle-timeout"`
	Log         string `toml:"log"`
}

// Remote tunes how modcache itself asks GOPROXY entries and browsable
// mirrors (the TUI's right pane, remote, outdated, prune's lookups).
type Remote struct {
	// Timeout is how long one remote may take to answer: each request,
	// and each lookup of a module. A slow corporate proxy wants more than
	// the 30s default; a LAN mirror that is either up or down, less.
	// Pushes to S3 and HTTP PUT targets use it too: for each question
	// asked, and as the longest a transfer may go without a byte moving.
	// The downloads go does for push and fetch keep go's own limits.
	Timeout string `toml:"timeout"`
}

// RemoteTimeout is [remote] timeout, or 0 (the default) when unset.
// check has already vetted it.
func (c *Config) RemoteTimeout() time.Duration {
	d, _ := units.ParseDuration(c.Remote.Timeout)
	return d
}

// DefaultPath is where the config lives unless MODCACHE_CONFIG says
// otherwise.
func DefaultPath() (string, error) {
	if p := os.Getenv("MODCACHE_CONFIG"); p != "" {
		return p, nil
	}
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "config.toml"), nil
}

// Dir is modcache's configuration directory, where the config and the
// SSH host key live: $XDG_CONFIG_HOME/modcache, else the system's user
// config directory (XDG_CONFIG_HOME is honoured on macOS too, where
// people who set it expect it).
func Dir() (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		var err error
		if dir, err = os.UserConfigDir(); err != nil {
			return "", err
		}
	}
	return filepath.Join(dir, "modcache"), nil
}

// Load reads path. A missing file is an empty config, not an error.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Config{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	c.Path = path
	return c, nil
}

// Parse decodes and checks a config file's contents; name is used in
// error messages.
func Parse(name string, data []byte) (*Config, error) {
	var c Config
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, decodeError(name, err)
	}
	if err := c.check(name, data); err != nil {
		return nil, err
	}
	return &c, nil
}

func decodeError(name string, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		var msgs []string
		for _, e := range strict.Errors {
			line, _ := e.Position()
			msgs = append(msgs, fmt.Sprintf("%s:%d: unknown key %q", name, line, strings.Join(e.Key(), ".")))
		}
		return errors.New(strings.Join(msgs, "\n"))
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, _ := de.Position()
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		if key := de.Key(); len(key) > 0 {
			return fmt.Errorf("%s:%d: key %q: %s", name, line, strings.Join(key, "."), msg)
		}
		return fmt.Errorf("%s:%d: %s", name, line, msg)
	}
	return fmt.Errorf("%s: %v", name, err)
}

// check validates values the TOML types cannot, reporting the key's line.
func (c *Config) check(name string, data []byte) error {
	fail := func(table, key string, err error) error {
		full := key
		if table != "" {
			full = table + "." + key
		}
		return fmt.Errorf("%s:%d: key %q: %v", name, lineOf(data, table, key), full, err)
	}
	p := c.Prune
	if p.TTL != "" {
		if _, err := units.ParseDuration(p.TTL); err != nil {
			return fail("prune", "ttl", err)
		}
	}
	if p.MaxSize != "" {
		if _, err := units.ParseSize(p.MaxSize); err != nil {
			return fail("prune", "max-size", err)
		}
	}
	if p.KeepFree != "" {
		if _, err := units.ParseSizeOrPercent(p.KeepFree); err != nil {
			return fail("prune", "keep-free", err)
		}
	}
	if p.KeepLatest < 0 {
		return fail("prune", "keep-latest", errors.New("must not be negative"))
	}
	switch p.Mode {
	case "", "dir", "full", "auto":
	default:
		return fail("prune", "mode", fmt.Errorf("invalid mode %q: use dir, full or auto", p.Mode))
	}
	for _, n := range c.MirrorNames() {
		if strings.TrimSpace(c.Mirrors[n].URL) == "" {
			return fail("mirrors."+n, "url", errors.New("missing: every mirror needs a url"))
		}
	}
	if c.Serve.IdleTimeout != "" {
		if _, err := units.ParseDuration(c.Serve.IdleTimeout); err != nil {
			return fail("serve", "idle-timeout", err)
		}
	}
	if c.Remote.Timeout != "" {
		if d, err := units.ParseDuration(c.Remote.Timeout); err != nil {
			return fail("remote", "timeout", err)
		} else if d < time.Second {
			return fail("remote", "timeout", fmt.Errorf("%q is too short for any remote: use at least 1s", c.Remote.Timeout))
		}
	}
	if c.Serve.MaxSessions < 0 {
		return fail("serve", "max-sessions", errors.New("must not be negative"))
	}
	return nil
}

// lineOf finds the line where key is set inside [table], for messages
// about values that parsed as TOML but mean nothing to us. It understands
// the plain "key = value" layout people write by hand; when it cannot find
// the key it points at the table header, or line 1.
func lineOf(data []byte, table, key string) int {
	current, tableLine := "", 0
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "[") {
			current = strings.Trim(strings.Trim(line, "[]"), " ")
			current = strings.ReplaceAll(current, `"`, "")
			if current == table {
				tableLine = i + 1
			}
			continue
		}
		k, _, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k = strings.Trim(strings.TrimSpace(k), `"`)
		if current == table && k == key || current == "" && k == table+"."+key {
			return i + 1
		}
	}
	if tableLine > 0 {
		return tableLine
	}
	return 1
}
