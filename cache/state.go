package cache

import "fmt"

// State is what the go command can do with a module version, given which
// of its files are present. The cases follow cmd/go's modfetch.DownloadDir.
type State uint8

const (
	// Complete: tree, zip and .ziphash. Builds and go mod download work offline.
	Complete State = iota
	// TreeOnly: tree and .ziphash, zip gone. Builds work offline;
	// go mod download needs the network.
	TreeOnly
	// ZipOnly: zip not extracted. Go extracts it, offline, on first use.
	ZipOnly
	// ModOnly: .mod (and .info) without zip or tree. The version is part of
	// some module graph but was never built.
	ModOnly
	// InfoOnly: only .info, left by a version query such as go list -m.
	InfoOnly
	// Partial: a .partial marker. An extraction is running or was
	// interrupted; go removes the tree and extracts again.
	Partial
	// Damaged: a combination go rejects or cannot repair offline.
	Damaged
)

var stateNames = [...]string{"complete", "tree", "zip", "mod", "info", "partial", "damaged"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// MarshalText makes states read as words in JSON.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads what MarshalText writes.
func (s *State) UnmarshalText(b []byte) error {
	st, ok := ParseState(string(b))
	if !ok {
		return fmt.Errorf("unknown state %q", b)
	}
	*s = st
	return nil
}

// ParseState is the inverse of String.
func ParseState(s string) (State, bool) {
	for i, n := range stateNames {
		if n == s {
			return State(i), true
		}
	}
	return 0, false
}

// classify derives the state from the files present, a malformed .info
// (infoProblem) and whether a go command holds the version's lock. problem
// says why a version is Damaged or Partial. The scan and every later
// change to a Version (such as a tree evicted) go through it, so none
// loses a finding the other made.
func classify(h Has, infoProblem string, lockHeld bool) (State, string) {
	s, problem := classifyFiles(h)
	switch {
	case s == Partial && lockHeld:
		return s, "being extracted by a running go command"
	case infoProblem != "" && s != Damaged && s != Partial:
		return Damaged, infoProblem
	}
	return s, problem
}

// classifyFiles is classify from the files present alone.
func classifyFiles(h Has) (s State, problem string) {
	tree, zip, hash, mod := h&HasTree != 0, h&HasZip != 0, h&HasZipHash != 0, h&HasMod != 0
	switch {
	case h&HasPartial != 0:
		return Partial, "extraction interrupted (.partial present)"
	case tree && !hash && !zip:
		// Go treats the tree as not extracted and has nothing to
		// re-extract or re-hash from: only the network can fix it.
		return Damaged, "extracted tree without .ziphash or zip"
	case (tree || zip) && !mod:
		// Loading the module graph reads <v>.mod; offline builds fail.
		return Damaged, ".mod missing"
	case tree && hash && zip:
		return Complete, ""
	case tree && hash:
		return TreeOnly, ""
	case tree:
		// Zip present, .ziphash gone: go re-hashes the zip and re-extracts.
		return ZipOnly, ".ziphash missing; go will re-hash the zip"
	case zip:
		return ZipOnly, ""
	case mod:
		return ModOnly, ""
	case h&HasInfo != 0:
		return InfoOnly, ""
	case hash:
		return Damaged, ".ziphash without zip or tree"
	}
	return Damaged, "no files"
}
