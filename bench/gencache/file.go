package main

import (
	"io/fs"
	"time"
)

// fileInfo describes an in-memory file to modzip.Create.
type fileInfo struct{ f memFile }

func (i fileInfo) Name() string       { return i.f.path }
func (i fileInfo) Size() int64        { return int64(len(i.f.data)) }
func (i fileInfo) Mode() fs.FileMode  { return 0o444 }
func (i fileInfo) ModTime() time.Time { return time.Time{} }
func (i fileInfo) IsDir() bool        { return false }
func (i fileInfo) Sys() any           { return nil }
