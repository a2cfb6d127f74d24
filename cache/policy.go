package cache

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/mod/module"

	"github.com/modcache/modcache/internal/units"
)

// Mode is how much of a version an eviction removes.
type Mode int

const (
	// ModeAuto takes dir evictions first, least recently used first, and
	// moves to full evictions only when a size goal needs more. With no
	// size goal (a TTL alone) it therefore means dir: expired versions lose
	// their trees and nothing that cannot be rebuilt offline is removed.
	// It is the zero value, so a Policy left alone gets it.
	ModeAuto Mode = iota
	// ModeDir removes only the extracted tree and keeps the zip, .ziphash,
	// .mod and .info: go re-extracts offline, so no data is lost.
	ModeDir
	// ModeFull removes every file of the version except its .lock; go
	// must fetch it again.
	ModeFull
)

var modeNames = [...]string{"auto", "dir", "full"}

func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// MarshalText makes modes read as words in JSON.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText is the inverse of MarshalText.
func (m *Mode) UnmarshalText(b []byte) error {
	v, err := ParseMode(string(b))
	*m = v
	return err
}

// ParseMode reads "dir", "full" or "auto"; "" is auto.
func ParseMode(s string) (Mode, error) {
	if s == "" {
		return ModeAuto, nil
	}
	for i, n := range modeNames {
		if n == s {
			return Mode(i), nil
		}
	}
	return 0, fmt.Errorf("invalid mode %q: use dir, full or auto", s)
}

// DefaultGrace protects anything used this recently, as GOCACHE's trim
// does: a build may be reading an extracted tree right now, and builds
// take no lock.
const DefaultGrace = time.Hour

// Policy says what a prune may evict. TTL, MaxSize and KeepFree are goals
// (any combination; at least one for PlanPrune to evict versions); the
// rest protect versions from them.
type Policy struct {
	TTL      time.Duration       // evict versions unused for longer; 0: no TTL
	MaxSize  int64               // evict LRU until the cache is at most this; 0: no limit
	KeepFree units.SizeOrPercent // evict LRU until the filesystem has this much free; zero: no goal

	KeepLatest int  // always keep the newest N versions of each module (releases first)
	Mode       Mode // see Mode; the zero value is ModeAuto

	Keep   []Pattern               // versions matching these are never evicted
	Pinned map[module.Version]bool // versions some project needs (see ProjectPins)

	// Grace keeps anything used more recently. 0 means DefaultGrace;
	// a negative value means no grace at all (benchmarks, tests).
	Grace time.Duration
	// Force allows full eviction of versions no remote is known to serve
	// again (private, missing, or no remote reachable).
	Force bool
	// Now is the time the policy is evaluated at; zero means time.Now().
	Now time.Time
	// Disk overrides the free-space reading of the scan (Cache.Disk) for
	// KeepFree; tests inject one, the CLI leaves it nil.
	Disk *DiskSpace
}

// defaultGoal is the one-key prune's goal when the config sets none:
// trees unused for 30 days, which loses nothing (go re-extracts a tree
// from its zip, offline).
func defaultGoal() Policy {
	return Policy{TTL: 30 * 24 * time.Hour, Mode: ModeDir}
}

// OrDefaultGoal is p, or when p has no goal, p with defaultGoal's goal
// and a note saying so, in p's mode's words. Its protections stay, and so
// does a full mode someone chose; auto with a TTL alone is dir anyway.
func (p Policy) OrDefaultGoal() (Policy, []string) {
	if p.HasGoal() {
		return p, nil
	}
	def := defaultGoal()
	p.TTL = def.TTL
	if p.Mode == ModeAuto {
		p.Mode = def.Mode
	}
	what := "trees unused for 30 days (lossless)"
	if p.Mode == ModeFull {
		what = "whole versions unused for 30 days (mode full)"
	}
	return p, []string{"no goal under [prune] in the config: using the default, " + what}
}

// HasGoal reports whether the policy asks for any eviction at all.
func (p Policy) HasGoal() bool {
	return p.TTL > 0 || p.MaxSize > 0 || !p.KeepFree.IsZero()
}

func (p Policy) grace() time.Duration {
	switch {
	case p.Grace == 0:
		return DefaultGrace
	case p.Grace < 0:
		return 0
	}
	return p.Grace
}

func (p Policy) now() time.Time {
	if p.Now.IsZero() {
		return time.Now()
	}
	return p.Now
}

// String describes the policy in one line, as a user would have typed it.
func (p Policy) String() string {
	var parts []string
	if p.TTL > 0 {
		parts = append(parts, "ttl "+units.Duration(p.TTL))
	}
	if p.MaxSize > 0 {
		parts = append(parts, "max-size "+units.Bytes(p.MaxSize))
	}
	if !p.KeepFree.IsZero() {
		parts = append(parts, "keep-free "+p.KeepFree.String())
	}
	if p.KeepLatest > 0 {
		parts = append(parts, fmt.Sprintf("keep-latest %d", p.KeepLatest))
	}
	parts = append(parts, "mode "+p.Mode.String())
	if p.Force {
		parts = append(parts, "force")
	}
	return strings.Join(parts, ", ")
}

// Availability says whether some remote could serve a version again.
type Availability int

const (
	// Available: a configured remote lists the version.
	Available Availability = iota
	// Missing: the remotes answered, and none has it.
	Missing
	// Private: GOPRIVATE/GONOPROXY covers it; go fetches it directly
	// from version control, which modcache cannot check.
	Private
	// Unreachable: no remote could be asked: unreachable, or answering
	// with an error other than not-found.
	Unreachable
)

var availNames = [...]string{"available", "missing", "private", "unreachable"}

func (a Availability) String() string {
	if int(a) < len(availNames) {
		return availNames[a]
	}
	return fmt.Sprintf("Availability(%d)", int(a))
}

// Replaceable answers whether path@version could be fetched again. The
// cache package never talks to the network itself: the caller asks its
// remotes (see PlanPruneRemote) and passes the answers in.
type Replaceable func(path, version string) Availability
