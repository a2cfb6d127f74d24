package cache

import (
	"fmt"

	"github.com/modcache/modcache/internal/config"
	"github.com/modcache/modcache/internal/units"
)

// PolicyFromConfig reads the [prune] section of the config: what
// `modcache prune` with no flags and the TUI's one-key prune do. The
// section's keep-projects globs are not read here; expand them with
// ProjectDirs and read their pins with PinProjects.
func PolicyFromConfig(c config.Prune) (Policy, error) {
	var p Policy
	var err error
	if c.TTL != "" {
		if p.TTL, err = units.ParseDuration(c.TTL); err != nil {
			return Policy{}, fmt.Errorf("[prune] ttl: %v", err)
		}
	}
	if c.MaxSize != "" {
		if p.MaxSize, err = units.ParseSize(c.MaxSize); err != nil {
			return Policy{}, fmt.Errorf("[prune] max-size: %v", err)
		}
	}
	if c.KeepFree != "" {
		if p.KeepFree, err = units.ParseSizeOrPercent(c.KeepFree); err != nil {
			return Policy{}, fmt.Errorf("[prune] keep-free: %v", err)
		}
	}
	p.KeepLatest = c.KeepLatest
	if p.Mode, err = ParseMode(c.Mode); err != nil {
		return Policy{}, fmt.Errorf("[prune] mode: %v", err)
	}
	if p.Keep, err = ParsePatterns(c.Keep); err != nil {
		return Policy{}, fmt.Errorf("[prune] keep: %v", err)
	}
	p.Force = c.Force
	return p, nil
}
