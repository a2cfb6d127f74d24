package ui

import (
	"reflect"
	"testing"

	"github.com/charmbracelet/colorprofile"

	"github.com/modcache/modcache/cache"
)

// The push dialog's target field takes the screen's palette, as the filter
// does, on a light background too (bubbles' defaults assume a dark one).
func TestPushTargetFieldStyles(t *testing.T) {
	store := NewStore(t.TempDir(), cache.ScanOptions{NoIndex: true})
	t.Cleanup(store.Close)
	m := New(Options{Store: store, NoRescan: true})
	m.st = NewStyles(false, colorprofile.TrueColor)
	d := newPushDialog(m, nil)
	m.openDialog(d)
	if got, want := d.url.Styles(), m.st.Input(); !reflect.DeepEqual(got, want) {
		t.Errorf("target field styles:\n got %+v\nwant %+v", got.Focused.Prompt, want.Focused.Prompt)
	}
}
