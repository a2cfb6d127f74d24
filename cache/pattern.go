package cache

import (
	"fmt"
	"path"
	"strings"

	"golang.org/x/mod/module"
)

// Pattern selects module versions on the command line. The path part uses
// GOPRIVATE's glob syntax (a glob matches the path and everything below
// it); an optional @version is an exact version or a path.Match glob.
//
//	example.com/alpha          every version of alpha and of example.com/alpha/...
//	*.corp.example/*           every module under a corporate domain
//	example.com/alpha@v1.2.0   one version
//	example.com/alpha@v1.*     a range by glob
type Pattern struct {
	Path    string
	Version string // "" matches every version
}

// ParsePattern checks a PATTERN argument.
func ParsePattern(s string) (Pattern, error) {
	p, v, _ := strings.Cut(s, "@")
	if p == "" {
		return Pattern{}, fmt.Errorf("invalid pattern %q: the module path part is empty", s)
	}
	for _, elem := range strings.Split(p, "/") {
		if _, err := path.Match(elem, ""); err != nil {
			return Pattern{}, fmt.Errorf("invalid pattern %q: %v", s, err)
		}
	}
	if strings.Contains(s, "@") && v == "" {
		return Pattern{}, fmt.Errorf("invalid pattern %q: nothing after @", s)
	}
	if _, err := path.Match(v, ""); err != nil {
		return Pattern{}, fmt.Errorf("invalid pattern %q: %v", s, err)
	}
	return Pattern{Path: p, Version: v}, nil
}

// ParsePatterns checks several PATTERN arguments.
func ParsePatterns(args []string) ([]Pattern, error) {
	var ps []Pattern
	for _, a := range args {
		p, err := ParsePattern(a)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// Match reports whether the pattern selects a module version.
func (p Pattern) Match(modPath, version string) bool {
	if !module.MatchPrefixPatterns(p.Path, modPath) {
		return false
	}
	if p.Version == "" || p.Version == version {
		return true
	}
	ok, _ := path.Match(p.Version, version)
	return ok
}

// MatchAny reports whether any pattern matches; no patterns match all.
func MatchAny(ps []Pattern, modPath, version string) bool {
	if len(ps) == 0 {
		return true
	}
	for _, p := range ps {
		if p.Match(modPath, version) {
			return true
		}
	}
	return false
}

// Select returns the versions the patterns match, in module then semver
// order.
func (c *Cache) Select(ps []Pattern) []*Version {
	var out []*Version
	for _, m := range c.Modules {
		for _, v := range m.Versions {
			if MatchAny(ps, m.Path, v.Version) {
				out = append(out, v)
			}
		}
	}
	return out
}
