// Package cache reads, indexes and changes the local Go module cache
// (GOMODCACHE) exactly as the go command lays it out.
//
// It knows the states Go gives a module version (see State), scans a cache
// quickly without writing to it or following symlinks, keeps a persisted
// index outside the cache so a second scan only looks at what changed, and
// (in later files) plans and executes safe deletions. It has no UI imports:
// the CLI and the TUI are both thin front ends over this package.
package cache
