package mirror

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/mod/module"

	"github.com/modcache/modcache/internal/gocmd"
	"github.com/modcache/modcache/internal/units"
)

// ClientSettings are the go environment settings that make clients use a
// mirror, offline.
type ClientSettings struct {
	// GOPROXY is the mirror alone: no ",direct", so nothing leaks out and a
	// missing module fails fast. Empty when the target is not something go
	// can read directly (Athens storage, a bundle); Notes say what to do.
	GOPROXY string `json:"GOPROXY,omitempty"`
	// GOSUMDB is set when the user's value has to change: a "key URL" value
	// would send go past the mirror to the database.
	GOSUMDB string `json:"GOSUMDB,omitempty"`
	// GONOSUMDB and GONOPROXY are set when private modules were pushed:
	// GONOPROXY=none makes go fetch them from the mirror too, and GONOSUMDB
	// keeps them away from the public checksum database.
	GONOSUMDB string   `json:"GONOSUMDB,omitempty"`
	GONOPROXY string   `json:"GONOPROXY,omitempty"`
	Notes     []string `json:"notes,omitempty"`
}

// Env returns the settings as KEY=value lines.
func (s ClientSettings) Env() []string {
	var env []string
	for _, kv := range [][2]string{{"GOPROXY", s.GOPROXY}, {"GOSUMDB", s.GOSUMDB}, {"GONOSUMDB", s.GONOSUMDB}, {"GONOPROXY", s.GONOPROXY}} {
		if kv[1] != "" {
			env = append(env, kv[0]+"="+kv[1])
		}
	}
	return env
}

// clientSettings works out the settings, with notes for what they cannot
// cover. unrecorded are the pushed versions with no checksum database
// record to serve.
func clientSettings(t Target, plan *Plan, dbs []string, unrecorded []module.Version, env []string) ClientSettings {
	var s ClientSettings
	served := "" // the checksum database the mirror serves, if any
	if t != nil {
		s.GOPROXY, s.Notes = proxyURL(t)
	}

	// With nothing to push (a dry run that has yet to download, say),
	// there are no records to speak of.
	if name, _ := sumDB(env); name != "" && len(plan.Versions) > 0 {
		f := strings.Fields(getEnv(env, "GOSUMDB"))
		switch {
		case !plan.features.SumDB:
			s.Notes = append(s.Notes, fmt.Sprintf("this mirror cannot serve the checksum database %s: clients need complete go.sum files, or GOFLAGS=-mod=mod with GONOSUMDB or GOSUMDB=off", name))
		case !slices.Contains(dbs, name):
			s.Notes = append(s.Notes, fmt.Sprintf("the module cache holds no records of the checksum database %s: clients need complete go.sum files, or GONOSUMDB/GOSUMDB=off", name))
		case len(f) == 2:
			served = name
			s.GOSUMDB = f[0]
			s.Notes = append(s.Notes, "GOSUMDB without its URL, so go asks the mirror for the checksum database")
		default:
			served = name
		}
	}

	noSumDB, noProxy := noSumDBPatterns(env), cmp.Or(getEnv(env, "GONOPROXY"), getEnv(env, "GOPRIVATE"))
	for _, v := range plan.Versions {
		if noSumDB != "" && module.MatchPrefixPatterns(noSumDB, v.Path) {
			s.GONOSUMDB = noSumDB
		}
		if noProxy != "" && noProxy != "none" && module.MatchPrefixPatterns(noProxy, v.Path) {
			s.GONOPROXY = "none"
		}
	}
	// go caches a record only when it had to ask the database (no go.sum
	// line yet), so versions fetched for projects with complete go.sum
	// files often have none; a client without those lines fails on them.
	if served != "" && len(unrecorded) > 0 {
		var shown []string
		for _, m := range unrecorded[:min(3, len(unrecorded))] {
			shown = append(shown, m.String())
		}
		more := ""
		if len(unrecorded) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(unrecorded)-len(shown))
		}
		s.Notes = append(s.Notes, fmt.Sprintf("the module cache has no %s record of %s (%s%s): clients need their lines in go.sum; a `go mod download` of them outside any module, online, records them for the next push",
			served, units.Count(len(unrecorded), "pushed version"), strings.Join(shown, ", "), more))
	}
	return s
}

// noSumDBPatterns are the module path patterns go checks against no
// checksum database: GONOSUMDB, or else GOPRIVATE.
func noSumDBPatterns(env []string) string {
	return cmp.Or(getEnv(env, "GONOSUMDB"), getEnv(env, "GOPRIVATE"))
}

// sumGolangOrg is the key go has built in for sum.golang.org, which
// sum.golang.google.cn also serves.
const sumGolangOrg = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"

// sumDB returns the name and verifier key of the checksum database go is
// set to use (GOSUMDB, sum.golang.org by default), as go resolves them:
// both empty with GOSUMDB=off, and no key for a name go has none for.
func sumDB(env []string) (name, key string) {
	first, _, _ := strings.Cut(cmp.Or(strings.TrimSpace(getEnv(env, "GOSUMDB")), "sum.golang.org"), " ")
	switch {
	case first == "off":
		return "", ""
	case first == "sum.golang.org" || first == "sum.golang.google.cn":
		key = sumGolangOrg
	case strings.Contains(first, "+"):
		key = first
	default:
		return first, ""
	}
	name, _, _ = strings.Cut(key, "+")
	return name, key
}

// proxyURL is the GOPROXY value that reads what t holds.
func proxyURL(t Target) (string, []string) {
	switch t := t.(type) {
	case *dirTarget:
		if t.athens {
			return "", []string{fmt.Sprintf("serve it with Athens: ATHENS_STORAGE_TYPE=disk ATHENS_DISK_STORAGE_ROOT=%s ATHENS_DOWNLOAD_MODE=none, then GOPROXY=<the Athens URL>", t.root)}
		}
		return gocmd.FileURL(t.root), nil
	case *httpTarget:
		return strings.TrimSuffix(t.name, "/"), nil
	case *s3Target:
		return "", []string{"serve the bucket prefix over HTTPS (a bucket website, or a server reading from it) and set GOPROXY to its URL; the bucket directory of a posix gateway works as file:// too"}
	case *bundleTarget:
		return "", []string{fmt.Sprintf("carry the bundle over, then: modcache import %s (into the module cache; GOPROXY=off) or --to a mirror", t.path)}
	}
	return "", nil
}
