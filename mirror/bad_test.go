package mirror

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/module"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/fixture"
)

// corruptZip rewrites a cached zip with one file's content changed: still
// a well-formed module zip, so only hashing it shows the damage.
func corruptZip(t testing.TB, root, path, version string) {
	t.Helper()
	f, err := cache.PathsFor(root, path, version)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(f.Zip)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, zf := range zr.File {
		r, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(r)
		r.Close()
		if strings.HasSuffix(zf.Name, ".go") {
			data = append(data, "\n// tampered\n"...)
		}
		w, _ := zw.Create(zf.Name)
		w.Write(data)
	}
	zw.Close()
	os.Chmod(f.Zip, 0o644)
	if err := os.WriteFile(f.Zip, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCorruptZipRefused: a damaged zip is refused with its reason and not
// pushed; the rest of the selection is. A verified hash remembered from an
// earlier push does not hide damage done since.
func TestCorruptZipRefused(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	memoDir := t.TempDir()
	sel := Selection{
		Versions: []module.Version{{Path: "example.com/alpha", Version: "v1.2.0"}, {Path: "example.com/gamma/v2", Version: "v2.0.0"}},
		Env:      c.Env,
		MemoDir:  memoDir,
	}
	first := filepath.Join(t.TempDir(), "first")
	push(t, c, sel, first) // verified, and remembered
	if entries, _ := filepath.Glob(filepath.Join(memoDir, "verified-*.json")); len(entries) != 1 {
		t.Fatalf("no memo of verified zips written: %v", entries)
	}

	corruptZip(t, c.Root, "example.com/alpha", "v1.2.0")
	dir := filepath.Join(t.TempDir(), "mirror")
	tg, _ := Open(context.Background(), dir, Options{})
	plan, err := BuildPlan(context.Background(), scan(t, c.Root), sel, tg)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Refused) != 1 || plan.Refused[0].Path != "example.com/alpha" {
		t.Fatalf("refused = %v, want alpha v1.2.0", plan.Refused)
	}
	if r := plan.Refused[0].Reason; !strings.Contains(r, "zip") {
		t.Errorf("refusal reason %q does not mention the zip", r)
	}
	res, err := NewPush(plan, tg, PushOptions{}).Run(context.Background())
	if err != nil || len(res.Failures) > 0 {
		t.Fatal(err, res.Failures)
	}
	if exists(filepath.Join(dir, "example.com/alpha")) {
		t.Errorf("pushed something of the refused alpha: %v", listFiles(t, dir))
	}
	if !exists(filepath.Join(dir, "example.com/gamma/v2/@v/v2.0.0.zip")) {
		t.Errorf("gamma not pushed beside the refused alpha")
	}
}

// TestPushReadsVerifyMemo: the hashes a verify remembered are the ones a
// push checks, so a push after a verify inflates nothing again. Shown by
// a remembered hash that differs from .ziphash: the push refuses that zip
// with the remembered hash as its reason, without hashing it itself.
func TestPushReadsVerifyMemo(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	memoDir := t.TempDir()
	sc := scan(t, c.Root)
	v := cache.NewVerifier(c.Root, sc.Select(nil), cache.VerifyOptions{ZipHashes: cache.OpenZipHashes(c.Root, memoDir)})
	if rep, err := v.Run(context.Background()); err != nil || len(rep.Findings) > 0 {
		t.Fatal(err, rep)
	}
	f, _ := cache.PathsFor(c.Root, "example.com/alpha", "v1.2.0")
	fi, err := os.Lstat(f.Zip)
	if err != nil {
		t.Fatal(err)
	}
	memo := cache.OpenZipHashes(c.Root, memoDir)
	const bogus = "h1:remembered/by/verify/not/the/ziphash/at/all="
	memo.Store(f.Zip, fi, bogus)
	memo.Save()

	sel := Selection{
		Versions: []module.Version{{Path: "example.com/alpha", Version: "v1.2.0"}, {Path: "example.com/gamma/v2", Version: "v2.0.0"}},
		Env:      c.Env,
		MemoDir:  memoDir,
	}
	plan, err := BuildPlan(context.Background(), sc, sel, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Refused) != 1 || !strings.Contains(plan.Refused[0].Reason, bogus) {
		t.Fatalf("refused %v: want alpha, refused for the remembered hash", plan.Refused)
	}
	if len(plan.Versions) != 1 || plan.Versions[0].Path != "example.com/gamma/v2" {
		t.Errorf("planned %v, want gamma/v2 alone", plan.Versions)
	}
}

// TestServerErrors: a server that answers 500 and 403 for some files. The
// failures name the file, the target and the answer; every other file is
// pushed, and only complete versions are listed.
func TestServerErrors(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	srv := newPutStore(t, func(w http.ResponseWriter, r *http.Request, name string) bool {
		switch {
		case r.Method == http.MethodPut && name == "example.com/alpha/@v/v1.2.0.zip":
			http.Error(w, "disk quota exceeded", http.StatusInternalServerError)
		case r.Method == http.MethodPut && strings.HasPrefix(name, "example.com/old/"):
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, "<html><head><title>403 Forbidden</title></head><body>no</body></html>")
		default:
			return false
		}
		return true
	})

	tg, plan := planFor(t, c, projectSelection(c), srv.URL+"/repo/", Options{})
	res := runPush(t, plan, tg, PushOptions{Jobs: 2})
	var msgs []string
	for _, f := range res.Failures {
		msgs = append(msgs, f.Error())
	}
	want := []string{
		"push example.com/alpha/@v/v1.2.0.zip to " + srv.URL + "/repo/: 500 Internal Server Error: disk quota exceeded",
		"push example.com/old/@v/v1.1.0.info to " + srv.URL + "/repo/: 403 Forbidden",
		"push example.com/old/@v/v1.1.0.mod to " + srv.URL + "/repo/: 403 Forbidden",
		"push example.com/old/@v/v1.1.0.zip to " + srv.URL + "/repo/: 403 Forbidden",
	}
	slices.Sort(msgs)
	if !slices.Equal(msgs, want) {
		t.Errorf("failures:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
	for _, name := range []string{"example.com/gamma/v2/@v/v2.0.0.zip", "example.com/beta/@v/v1.1.0.zip", "example.com/alpha/@v/v1.2.0.mod", "example.com/beta/@v/list"} {
		if !srv.has(name) {
			t.Errorf("%s not pushed beside the failures", name)
		}
	}
	for _, name := range []string{"example.com/alpha/@v/list", "example.com/old/@v/list"} {
		if srv.has(name) {
			t.Errorf("%s written although its version did not arrive", name)
		}
	}

	// --fail-fast stops at the first failure.
	res, err := NewPush(plan, tg, PushOptions{Jobs: 1, FailFast: true}).Run(context.Background())
	if err != nil || len(res.Failures) != 1 {
		t.Errorf("fail-fast: err %v, %d failures, want 1", err, len(res.Failures))
	}
}

// TestPutRedirectFails: a server that answers an upload with a redirect
// (to a login page, say) has stored nothing; net/http would follow it with
// a GET whose 200 must not pass for a stored file.
func TestPutRedirectFails(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	srv := newPutStore(t, func(w http.ResponseWriter, r *http.Request, name string) bool {
		switch {
		case r.Method == http.MethodPut:
			http.Redirect(w, r, "/login", http.StatusFound)
		case r.URL.Path == "/login":
			io.WriteString(w, "please log in")
		default:
			return false
		}
		return true
	})
	tg, plan := planFor(t, c, alphaSelection(c), srv.URL+"/repo/", Options{})
	res := runPush(t, plan, tg, PushOptions{})
	if len(res.Failures) == 0 || res.Sent > 0 {
		t.Fatalf("sent %d files, %d failures; want every upload to fail", res.Sent, len(res.Failures))
	}
	if msg := res.Failures[0].Error(); !strings.Contains(msg, "redirect to") || !strings.Contains(msg, "/login") {
		t.Errorf("failure %q does not say the upload was redirected", msg)
	}
}

// TestChangedSinceCheckedRefused: a zip written after the plan checked it
// is not what was checked, so it is not pushed.
func TestChangedSinceCheckedRefused(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	dest := filepath.Join(t.TempDir(), "mirror")
	tg, plan := planFor(t, c, alphaSelection(c), dest, Options{})
	f, _ := cache.PathsFor(c.Root, "example.com/alpha", "v1.2.0")
	os.Chmod(f.Zip, 0o644)
	data, _ := os.ReadFile(f.Zip)
	data[200] ^= 0xff
	if err := os.WriteFile(f.Zip, data, 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Second)
	os.Chtimes(f.Zip, later, later)
	res := runPush(t, plan, tg, PushOptions{})
	if len(res.Failures) != 1 || !strings.Contains(res.Failures[0].Error(), "written since it was checked") {
		t.Fatalf("failures %v; want the changed zip refused", res.Failures)
	}
	if exists(filepath.Join(dest, "example.com/alpha/@v/v1.2.0.zip")) || exists(filepath.Join(dest, "example.com/alpha/@v/list")) {
		t.Error("the changed zip, or a list naming it, reached the mirror")
	}
}

// TestStaleTempsCleared: temp files a killed push left in a directory
// mirror go with the next push of the same file; a young one, which may
// be another push's at work, stays.
func TestStaleTempsCleared(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	dest := filepath.Join(t.TempDir(), "mirror")
	v := filepath.Join(dest, "example.com", "alpha", "@v")
	os.MkdirAll(v, 0o755)
	old, young, other := filepath.Join(v, "v1.2.0.zip382913915.tmp"), filepath.Join(v, "v1.2.0.zip111.tmp"), filepath.Join(v, "notes.tmp")
	for _, p := range []string{old, young, other} {
		os.WriteFile(p, []byte("partial"), 0o644)
	}
	long := time.Now().Add(-2 * staleTemp)
	os.Chtimes(old, long, long)
	os.Chtimes(other, long, long)
	push(t, c, alphaSelection(c), dest)
	if exists(old) || !exists(young) || !exists(other) {
		t.Errorf("after the push: stale %v, young %v, unrelated %v; want only the stale one gone", exists(old), exists(young), exists(other))
	}

	// A push killed after the rename: the next one finds the file there
	// and writes nothing, but clears the leftover all the same.
	os.WriteFile(old, []byte("partial"), 0o644)
	os.Chtimes(old, long, long)
	if _, res := push(t, c, alphaSelection(c), dest); res.Sent != 0 || exists(old) {
		t.Errorf("re-push sent %d files; stale temp left: %v", res.Sent, exists(old))
	}

	// A bundle's temp files, hidden beside it.
	bundle := filepath.Join(t.TempDir(), "deps.tar.gz")
	stale := filepath.Join(filepath.Dir(bundle), ".deps.tar.gz123456.tmp")
	os.WriteFile(stale, []byte("half a bundle"), 0o644)
	os.Chtimes(stale, long, long)
	push(t, c, alphaSelection(c), "bundle://"+filepath.ToSlash(bundle))
	if exists(stale) {
		t.Error("a killed bundle push's temp file is left")
	}
}

// TestHugeListNotCut: a list on the target bigger than any list could be
// is not cut and merged: the list write fails, saying why.
func TestHugeListNotCut(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	dest := filepath.Join(t.TempDir(), "mirror")
	list := filepath.Join(dest, "example.com", "alpha", "@v", "list")
	os.MkdirAll(filepath.Dir(list), 0o755)
	if err := os.WriteFile(list, bytes.Repeat([]byte("v9.9.9\n"), maxGet/7+1), 0o644); err != nil {
		t.Fatal(err)
	}
	tg, plan := planFor(t, c, alphaSelection(c), dest, Options{})
	res := runPush(t, plan, tg, PushOptions{})
	if len(res.Failures) != 1 || !strings.Contains(res.Failures[0].Error(), "not read") {
		t.Fatalf("failures %v; want the list refused as too big", res.Failures)
	}
	if fi, _ := os.Stat(list); fi.Size() <= maxGet {
		t.Errorf("the list was rewritten from a cut copy: %d bytes", fi.Size())
	}
}

// TestInterruptedPut: a copy cancelled half way leaves neither the file
// nor its temp file behind.
func TestInterruptedPut(t *testing.T) {
	t.Parallel()
	src := filepath.Join(t.TempDir(), "big.zip")
	data := make([]byte, 3*copyChunk)
	rand.Read(data)
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "mirror")
	tg, _ := Open(context.Background(), dir, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	name := "example.com/big/@v/v1.0.0.zip"
	err := tg.Put(ctx, name, FileSource(src, int64(len(data))), func(n int64) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Put = %v, want context.Canceled", err)
	}
	if files := listFiles(t, dir); len(files) != 0 {
		t.Errorf("left behind: %v", files)
	}
	// And the whole file arrives when not interrupted.
	if err := tg.Put(context.Background(), name, FileSource(src, int64(len(data))), nil); err != nil {
		t.Fatal(err)
	}
	if same, err := tg.Same(context.Background(), name, FileSource(src, int64(len(data)))); !same || err != nil {
		t.Errorf("Same after Put = %v, %v", same, err)
	}
}

// TestServerHangs: a server that takes a zip's body and never answers
// fails that file once nothing has moved for Options.Timeout, not never,
// and the rest arrive; a server that never answers a HEAD fails planning
// after that timeout, saying so.
func TestServerHangs(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	var hangHead atomic.Bool
	srv := newPutStore(t, func(w http.ResponseWriter, r *http.Request, name string) bool {
		switch {
		case hangHead.Load() && r.Method == http.MethodHead:
		case r.Method == http.MethodPut && name == "example.com/alpha/@v/v1.2.0.zip":
			io.ReadAll(r.Body) // the body is taken; no answer comes
		default:
			return false
		}
		<-r.Context().Done()
		return true
	})

	tg, plan := planFor(t, c, projectSelection(c), srv.URL+"/repo/", Options{Timeout: 2 * time.Second})
	start := time.Now()
	res := runPush(t, plan, tg, PushOptions{Jobs: 2})
	if len(res.Failures) != 1 || !strings.Contains(res.Failures[0].Error(), "example.com/alpha/@v/v1.2.0.zip") ||
		!strings.Contains(res.Failures[0].Error(), "no progress for 2s") {
		t.Fatalf("failures %v", res.Failures)
	}
	t.Logf("%v after %v", res.Failures[0], time.Since(start))
	if listed, other := srv.has("example.com/alpha/@v/list"), srv.has("example.com/beta/@v/v1.1.0.zip"); listed || !other {
		t.Errorf("alpha listed %v, beta's zip pushed %v", listed, other)
	}
	hangHead.Store(true)

	// Planning asks the target what it holds: a HEAD that never comes back
	// ends after Options.Timeout.
	_, err := BuildPlan(context.Background(), scan(t, c.Root), projectSelection(c), tg)
	if err == nil || !strings.Contains(err.Error(), "timed out after 2s") {
		t.Errorf("planning against a hanging server: %v", err)
	}
}

// TestDeadServerStopsThePush: when every upload times out, the push stops
// after a few in a row instead of waiting out one timeout per file.
func TestDeadServerStopsThePush(t *testing.T) {
	t.Parallel()
	c := fixture.NewCache(t)
	srv := newPutStore(t, func(w http.ResponseWriter, r *http.Request, name string) bool {
		if r.Method != http.MethodPut {
			return false
		}
		io.ReadAll(r.Body)
		<-r.Context().Done()
		return true
	})
	tg, plan := planFor(t, c, projectSelection(c), srv.URL+"/repo/", Options{Timeout: time.Second})
	files := plan.Totals().Files
	res, err := NewPush(plan, tg, PushOptions{Jobs: 2}).Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "3 uploads in a row got no answer") {
		t.Fatalf("Run: %v", err)
	}
	if n := len(res.Failures); n < 3 || n > 4 || n >= files {
		t.Errorf("%d failures of %d files; want the push stopped after 3 or 4", n, files)
	}
}

// TestS3ServerHangs: an S3 endpoint that takes a PUT's body and never
// answers fails the file once nothing has moved for Options.Timeout.
func TestS3ServerHangs(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			io.ReadAll(r.Body)
			<-r.Context().Done()
			return
		}
		w.WriteHeader(http.StatusNotFound) // HEAD: no such key
	}))
	defer srv.Close()
	ctx := context.Background()
	tg, err := Open(ctx, "s3://bucket/p?region=us-east-1&endpoint="+srv.URL, Options{Timeout: time.Second, S3AccessKey: "k", S3SecretKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "v1.0.0.mod")
	os.WriteFile(src, []byte("module example.com/x\n"), 0o644)
	if same, err := tg.Same(ctx, "example.com/x/@v/v1.0.0.mod", FileSource(src, 21)); same || err != nil {
		t.Fatalf("same %v, err %v", same, err)
	}
	start := time.Now()
	err = tg.Put(ctx, "example.com/x/@v/v1.0.0.mod", FileSource(src, 21), nil)
	if err == nil || !strings.Contains(err.Error(), "no progress for 1s") || time.Since(start) > 20*time.Second {
		t.Errorf("put to a hanging S3 endpoint: %v after %v", err, time.Since(start))
	}
}

// putStore is a bare HTTP PUT mirror under /repo/: it keeps what is put
// and serves it back. odd sees each request first and returns true when it
// has answered it itself, for the tests' misbehaving servers.
type putStore struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string][]byte
}

func newPutStore(t *testing.T, odd func(w http.ResponseWriter, r *http.Request, name string) bool) *putStore {
	s := &putStore{files: map[string][]byte{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/repo/")
		if odd(w, r, name) {
			return
		}
		if r.Method == http.MethodPut {
			data, _ := io.ReadAll(r.Body)
			s.mu.Lock()
			s.files[name] = data
			s.mu.Unlock()
			w.WriteHeader(http.StatusCreated)
			return
		}
		s.mu.Lock()
		data, ok := s.files[name]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *putStore) has(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.files[name]
	return ok
}
