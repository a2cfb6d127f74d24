package ui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/modcache/modcache/cache"
)

// bigCache has 2,000 modules of 5 versions: 10,000 versions in all.
func bigCache() *cache.Cache {
	var vs []*cache.Version
	for i := range 2000 {
		path := fmt.Sprintf("github.com/org%02d/module-with-a-longish-name-%04d", i%50, i)
		for j := range 5 {
			vs = append(vs, &cache.Version{Path: path, Version: fmt.Sprintf("v1.%d.0", j), State: cache.Complete,
				TreeBytes: int64(i*j+1) << 12, ZipBytes: 4096, MetaBytes: 12288,
				LastUsed: testNow.Add(-time.Duration(i) * time.Hour), Downloaded: testNow.Add(-time.Duration(i+j) * time.Hour)})
		}
	}
	c := cache.Assemble("/big", vs)
	c.Atime = cache.AtimeInfo{Available: true}
	c.Disk = cache.DiskSpace{Total: 1 << 40, Free: 1 << 39}
	return c
}

func bigModel(b *testing.B) *Model {
	store := NewStore("/big", cache.ScanOptions{NoIndex: true})
	store.Set(bigCache())
	m := New(Options{Store: store, Sources: sampleSources(), Now: func() time.Time { return testNow }, NoRescan: true})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	// Expand every tenth module so rows mix modules and versions.
	for i := 0; i < len(m.local.rows); i += 10 {
		m.local.expanded[m.local.rows[i].mod.Path] = true
	}
	m.local.rebuild()
	m.local.cursor = len(m.local.rows) / 2
	m.local.clamp()
	return m
}

// BenchmarkView is one full frame with 10,000 versions loaded.
func BenchmarkView(b *testing.B) {
	m := bigModel(b)
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkCursorMove is a key press and the frame it causes.
func BenchmarkCursorMove(b *testing.B) {
	m := bigModel(b)
	down, up := keyPress("j"), keyPress("k")
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			m.Update(down)
		} else {
			m.Update(up)
		}
		i++
		_ = m.View()
	}
}

// BenchmarkRefresh is what a new scan result costs: re-sort and re-flatten.
func BenchmarkRefresh(b *testing.B) {
	m := bigModel(b)
	c := bigCache()
	for b.Loop() {
		m.local.setCache(c)
	}
}
