package proxy

import (
	"errors"
	"reflect"
	"testing"

	"golang.org/x/mod/modfile"
)

func TestMerge(t *testing.T) {
	r := &Report{Versions: []string{"v1.0.0", "v1.1.0", "v1.3.0"},
		Retracted: []modfile.VersionInterval{{Low: "v1.0.0", High: "v1.0.0"}}}
	got := Merge([]string{"v1.0.0", "v1.2.0"}, r)
	want := []Merged{
		{Version: "v1.3.0", Remote: true, Newer: true},
		{Version: "v1.2.0", Local: true},
		{Version: "v1.1.0", Remote: true},
		{Version: "v1.0.0", Local: true, Remote: true, Retracted: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Merge:\n got %+v\nwant %+v", got, want)
	}
	if got := Merge([]string{"v1.0.0"}, nil); len(got) != 1 || !got[0].Local || got[0].Remote {
		t.Errorf("Merge before an answer: %+v", got)
	}
}

func TestIrreplaceable(t *testing.T) {
	has := &Report{Versions: []string{"v1.0.0"}}
	lacks := &Report{Versions: []string{"v2.0.0"}}
	failed := &Report{Err: errors.New("down")}
	for _, tc := range []struct {
		reports []*Report
		want    bool
	}{
		{[]*Report{lacks, lacks}, true},
		{[]*Report{lacks, has}, false},
		{[]*Report{lacks, nil}, false},    // one has not answered
		{[]*Report{lacks, failed}, false}, // one could not be asked
		{[]*Report{{Private: true}}, true},
		{nil, false},
	} {
		if got := Irreplaceable("v1.0.0", tc.reports); got != tc.want {
			t.Errorf("Irreplaceable(%v) = %v, want %v", tc.reports, got, tc.want)
		}
	}
}
