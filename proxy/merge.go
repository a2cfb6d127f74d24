package proxy

import "golang.org/x/mod/semver"

// Merged is one version in the union of what the local cache holds and
// what a source holds.
type Merged struct {
	Version   string
	Local     bool // in the local cache
	Remote    bool // the source holds it
	Newer     bool // remote only, above every local version
	Retracted bool // the source's latest go.mod retracts it
}

// Merge lists the local versions and r's versions together, newest first,
// as both the TUI's right pane and `modcache remote` show them. r is nil
// while the source has not answered.
func Merge(local []string, r *Report) []Merged {
	newest := ""
	seen := map[string]*Merged{}
	var order []string
	add := func(v string) *Merged {
		if m := seen[v]; m != nil {
			return m
		}
		m := &Merged{Version: v}
		seen[v] = m
		order = append(order, v)
		return m
	}
	for _, v := range local {
		add(v).Local = true
		if newest == "" || semver.Compare(v, newest) > 0 {
			newest = v
		}
	}
	if r != nil {
		for _, v := range r.Versions {
			add(v).Remote = true
		}
	}
	semver.Sort(order)
	out := make([]Merged, 0, len(order))
	for i := len(order) - 1; i >= 0; i-- {
		m := seen[order[i]]
		m.Newer = !m.Local && (newest == "" || semver.Compare(m.Version, newest) > 0)
		m.Retracted = r != nil && r.IsRetracted(m.Version)
		out = append(out, *m)
	}
	return out
}

// Irreplaceable reports whether version, held locally, is served by no
// source, so that evicting it loses it: the module is private, or every
// browsable source answered and none holds it. reports has one entry per
// browsable source, nil for one that has not answered yet; with any
// unanswered or failed, the answer is no, as it cannot be certain.
func Irreplaceable(version string, reports []*Report) bool {
	for _, r := range reports {
		if r != nil && r.Private {
			return true
		}
	}
	for _, r := range reports {
		if r == nil || !r.Answered() || r.Has(version) {
			return false
		}
	}
	return len(reports) > 0
}
