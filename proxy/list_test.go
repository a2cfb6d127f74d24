package proxy

import (
	"runtime"
	"strings"
	"testing"
)

func TestParseList(t *testing.T) {
	type entry struct {
		name     string
		kind     Kind
		fallback bool
	}
	tests := []struct {
		in   string
		want []entry
	}{
		{"", []entry{{"proxy.golang.org", KindHTTP, false}, {"direct", KindDirect, false}}},
		{"https://a.example,https://b.example|direct",
			[]entry{{"a.example", KindHTTP, false}, {"b.example", KindHTTP, true}, {"direct", KindDirect, false}}},
		{"a.example|b.example", []entry{{"a.example", KindHTTP, true}, {"b.example", KindHTTP, false}}},
		{"goproxy.example.com/sub/path", []entry{{"goproxy.example.com/sub/path", KindHTTP, false}}},
		{"localhost:3000", []entry{{"localhost:3000", KindHTTP, false}}},
		{"http://localhost:3000/", []entry{{"http://localhost:3000/", KindHTTP, false}}},
		// direct and off end the list, whatever follows.
		{"direct,https://never.example", []entry{{"direct", KindDirect, false}}},
		{"https://a.example|off|https://never.example", []entry{{"a.example", KindHTTP, true}, {"off", KindOff, false}}},
		{" , https://a.example , ", []entry{{"a.example", KindHTTP, false}}},
		{"https://user:secret@corp.example/p", []entry{{"xxxxx@corp.example/p", KindHTTP, false}}},
	}
	if runtime.GOOS != "windows" {
		tests = append(tests, struct {
			in   string
			want []entry
		}{"file:///srv/goproxy,off", []entry{{"file:///srv/goproxy", KindFile, false}, {"off", KindOff, false}}})
	}
	for _, tt := range tests {
		got, err := ParseList(tt.in)
		if err != nil {
			t.Errorf("ParseList(%q): %v", tt.in, err)
			continue
		}
		var gotE []entry
		for _, r := range got {
			gotE = append(gotE, entry{r.Name, r.Kind, r.FallbackOnError})
		}
		if len(gotE) != len(tt.want) {
			t.Errorf("ParseList(%q) = %v, want %v", tt.in, gotE, tt.want)
			continue
		}
		for i := range gotE {
			if gotE[i] != tt.want[i] {
				t.Errorf("ParseList(%q)[%d] = %v, want %v", tt.in, i, gotE[i], tt.want[i])
			}
		}
	}
}

func TestParseListSchemeless(t *testing.T) {
	got, err := ParseList("goproxy.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got[0].URL != "https://goproxy.example.com" {
		t.Errorf("URL = %q, want https://goproxy.example.com", got[0].URL)
	}
}

func TestParseListErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{",", "contains no entries"},
		{" | ", "contains no entries"},
		{"file://host/srv/goproxy", `names host "host"`},
		{"file://localhost/srv/goproxy", `names host "localhost"`},
		{"file:relative/dir", "invalid proxy URL"},
		{"file://", "want file:///absolute/path"},
		{"ftp://example.com/x", `scheme "ftp"`},
		{"gopher", "missing scheme"},
		{"https://a.example,ftp://user:hunter2@x.example", `scheme "ftp"`},
		{"https://", "no host"},
	}
	for _, tt := range tests {
		_, err := ParseList(tt.in)
		if err == nil {
			t.Errorf("ParseList(%q) succeeded, want error containing %q", tt.in, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseList(%q) error %q, want it to contain %q", tt.in, err, tt.want)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("ParseList(%q) error leaks the password: %q", tt.in, err)
		}
	}
}

func TestRemoteNameRedacted(t *testing.T) {
	for _, in := range []string{
		"https://user:hunter2@corp.example/goproxy",
		"https://hunter2@corp.example",
		"http://user:hunter2@corp.example:8080",
	} {
		r, err := ParseRemote(in)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(r.Name, "hunter2") || !strings.Contains(r.Name, "corp.example") {
			t.Errorf("ParseRemote(%q).Name = %q", in, r.Name)
		}
		if r.URL != in {
			t.Errorf("ParseRemote(%q).URL = %q, want it unchanged", in, r.URL)
		}
	}
	if got := RedactURL("https://user:hunter2@bad host/x"); strings.Contains(got, "hunter2") {
		t.Errorf("RedactURL leaks: %q", got)
	}
}
