package main

import (
	"context"
	"fmt"
	"log"
	"os"
)

// tb gives the fixture builders what they need from a test outside of one:
// temp dirs that are removed at the end and fatal errors.
type tb struct {
	dir      string
	cleanups []func()
}

func newTB() *tb {
	dir, err := os.MkdirTemp("", "modcache-shoot-")
	if err != nil {
		log.Fatal(err)
	}
	return &tb{dir: dir}
}

func (t *tb) Helper() {}

func (t *tb) TempDir() string {
	d, err := os.MkdirTemp(t.dir, "")
	if err != nil {
		log.Fatal(err)
	}
	return d
}

func (t *tb) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }

func (t *tb) Fatal(args ...any) { t.cleanup(); log.Fatal(args...) }

func (t *tb) Fatalf(format string, args ...any) { t.cleanup(); log.Fatal(fmt.Sprintf(format, args...)) }

func (t *tb) ctx() context.Context { return context.Background() }

// cleanup runs the registered cleanups (which make go's read-only dirs
// writable) and removes the temp dir.
func (t *tb) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	t.cleanups = nil
	os.RemoveAll(t.dir)
}
