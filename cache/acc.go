package cache

import (
	"sync"
	"sync/atomic"

	"golang.org/x/mod/module"
)

// acc accumulates the size of a subtree measured by several goroutines.
type acc struct {
	bytes, files atomic.Int64
	atime        atomic.Int64 // newest file atime, Unix ns

	probeMu sync.Mutex
	probe   string // slash path of the file with the newest atime
}

// noteAtime raises the newest atime, remembering which file had it so the
// next scan can refresh the use signal with a single stat.
func (a *acc) noteAtime(t int64, rel string) {
	a.probeMu.Lock()
	if t > a.atime.Load() {
		a.atime.Store(t)
		a.probe = rel
	}
	a.probeMu.Unlock()
}

// verAcc gathers one version's files from the tree and download areas.
type verAcc struct {
	escPath, escVer string
	tree            acc

	mu                    sync.Mutex
	has                   Has
	treeDev, treeIno      uint64
	treeMtime             int64
	zipBytes, metaBytes   int64
	earliest              int64 // oldest mtime of any of its files
	metaAtime             int64 // newest atime of .mod and .ziphash
	infoAtime, infoMtime  int64
	infoSize              int64
	published             int64 // Unix ns; 0 when unknown
	infoProblem           string
	infoTainted, lockHeld bool
}

func (v *verAcc) key() string { return v.escPath + "@" + v.escVer }

// version returns the unescaped version; names were checked on entry.
func (v *verAcc) version() string {
	s, _ := module.UnescapeVersion(v.escVer)
	return s
}

func (v *verAcc) noteMtime(t int64) {
	if v.earliest == 0 || t < v.earliest {
		v.earliest = t
	}
}

type vcsAcc struct {
	acc
	hash   string
	hasDir bool // the clone itself, not just its .info or .lock

	mu                 sync.Mutex
	url                string
	created, infoAtime int64
	infoTainted        bool
}

type strayAcc struct {
	acc
	path, kind string
}

type unknownAcc struct {
	acc
	path, reason string
}
