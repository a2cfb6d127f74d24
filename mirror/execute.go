package mirror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/semver"

	"github.com/modcache/modcache/internal/parallel"
)

// PushOptions tune a push.
type PushOptions struct {
	// Jobs bounds the uploads in flight; 0 means 8.
	Jobs int
	// FailFast stops at the first failed file. Otherwise every file is
	// tried and the failures are reported together.
	FailFast bool
}

// Progress is a snapshot of a running push, cheap enough to poll every
// 100 ms.
type Progress struct {
	Files      int // files finished: sent, skipped or failed
	FilesTotal int
	Sent       int // files uploaded
	Skipped    int // already on the target
	Failed     int
	Bytes      int64 // bytes sent
	BytesTotal int64 // bytes to send, without files found already there
	// BytesPerSec is the average rate since the first upload started.
	BytesPerSec float64
	Current     string // the file most recently started
	Elapsed     time.Duration
	Done        bool
}

// Fraction is how far the push is, for a progress bar: by bytes, or by
// files when nothing is left to send.
func (p Progress) Fraction() float64 {
	switch {
	case p.BytesTotal > 0:
		return float64(p.Bytes) / float64(p.BytesTotal)
	case p.FilesTotal > 0:
		return float64(p.Files) / float64(p.FilesTotal)
	}
	return 0
}

// Result is what a push did.
type Result struct {
	Target   string        `json:"target"`
	Sent     int           `json:"sent"`    // the plan's files uploaded
	Skipped  int           `json:"skipped"` // the plan's files already on the target
	Bytes    int64         `json:"bytes"`
	Lists    int           `json:"lists"` // @v/list files written, besides
	Elapsed  time.Duration `json:"elapsedNanos"`
	Failures []*FileError  `json:"failures,omitempty"`
}

// FileError is one file that could not be pushed. Its message names the
// file, the target and the target's answer.
type FileError struct {
	File   string
	Target string
	Err    error
}

func (e *FileError) Error() string {
	return fmt.Sprintf("push %s to %s: %v", e.File, e.Target, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// MarshalJSON gives the error as text, which is all JSON can carry of it.
func (e *FileError) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{"file": e.File, "target": e.Target, "error": e.Err.Error()})
}

// Push executes a plan against a target. Run it once; poll Progress from
// another goroutine.
type Push struct {
	plan *Plan
	t    Target
	opts PushOptions

	files, sent, skipped, failed atomic.Int64
	filesTotal                   atomic.Int64
	bytes, bytesTotal            atomic.Int64
	current                      atomic.Pointer[string]
	started                      atomic.Int64 // unix nanos of the first upload
	begin                        atomic.Int64 // unix nanos of Run
	done                         atomic.Bool

	mu       sync.Mutex
	failures []*FileError
	stalls   int // uploads in a row that timed out, reset by a success
}

// NewPush prepares to push plan to t, which should be the target the plan
// was built for.
func NewPush(plan *Plan, t Target, opts PushOptions) *Push {
	if opts.Jobs <= 0 {
		opts.Jobs = 8
	}
	p := &Push{plan: plan, t: t, opts: opts}
	for _, f := range plan.files() {
		p.filesTotal.Add(1)
		if !f.Present {
			p.bytesTotal.Add(f.Size)
		}
	}
	return p
}

// Progress returns the counters so far.
func (p *Push) Progress() Progress {
	pr := Progress{
		Files: int(p.files.Load()), FilesTotal: int(p.filesTotal.Load()),
		Sent: int(p.sent.Load()), Skipped: int(p.skipped.Load()), Failed: int(p.failed.Load()),
		Bytes: p.bytes.Load(), BytesTotal: p.bytesTotal.Load(), Done: p.done.Load(),
	}
	if b := p.begin.Load(); b != 0 {
		pr.Elapsed = time.Since(time.Unix(0, b))
	}
	if s := p.started.Load(); s != 0 {
		if d := time.Since(time.Unix(0, s)).Seconds(); d > 0 {
			pr.BytesPerSec = float64(pr.Bytes) / d
		}
	}
	if c := p.current.Load(); c != nil {
		pr.Current = *c
	}
	return pr
}

// Run pushes the files, then rewrites the lists, then marks the checksum
// databases supported, then commits (bundles). Lists name only versions
// whose every file is on the target, and are written last, so a client
// never sees a version listed before its zip is there. A cancelled or
// failed run writes no list for what it did not finish; running it again
// skips what is already there.
func (p *Push) Run(ctx context.Context) (*Result, error) {
	begin := time.Now()
	p.begin.Store(begin.UnixNano())
	defer p.done.Store(true)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	var files, supported []*File
	for _, f := range p.plan.files() {
		if isSupported(f.Name) {
			supported = append(supported, f)
		} else {
			files = append(files, f)
		}
	}
	res := &Result{Target: p.t.String()}
	ok := p.pushAll(ctx, cancel, files)
	// Lists are counted apart (Lists), so Sent, Skipped and Bytes add up
	// to the plan's files as its preview counted them.
	var listSent, listSkipped, listBytes int64
	if ctx.Err() == nil {
		sent, skipped, bytes := p.sent.Load(), p.skipped.Load(), p.bytes.Load()
		res.Lists = len(p.pushAll(ctx, cancel, p.lists(ctx, ok)))
		listSent, listSkipped, listBytes = p.sent.Load()-sent, p.skipped.Load()-skipped, p.bytes.Load()-bytes
	}
	if ctx.Err() == nil {
		p.pushAll(ctx, cancel, readyDatabases(supported, files, ok))
	}
	res.Sent, res.Skipped, res.Bytes = int(p.sent.Load()-listSent), int(p.skipped.Load()-listSkipped), p.bytes.Load()-listBytes
	res.Elapsed, res.Failures = time.Since(begin), p.failures
	if err := context.Cause(ctx); err != nil && !errors.Is(err, errFailFast) {
		return res, err
	}
	if c, isCommitter := p.t.(Committer); isCommitter && len(p.failures) == 0 {
		if err := c.Commit(ctx, p.plan); err != nil {
			return res, fmt.Errorf("%s: %v", p.t, err)
		}
	}
	return res, nil
}

// readyDatabases returns the supported markers of the databases whose
// other files all reached the target: go trusts a proxy that says
// supported, so it must not say so before it can answer.
func readyDatabases(supported, files []*File, ok map[string]bool) []*File {
	var ready []*File
	for _, s := range supported {
		dir := strings.TrimSuffix(s.Name, "supported")
		complete := true
		for _, f := range files {
			if strings.HasPrefix(f.Name, dir) && !ok[f.Name] {
				complete = false
			}
		}
		if complete {
			ready = append(ready, s)
		}
	}
	return ready
}

var errFailFast = errors.New("stopped after the first failure (--fail-fast)")

// stallLimit is how many uploads in a row may time out before the push
// stops: a target that has stopped answering would otherwise cost one
// timeout per file, most of an hour for a big plan.
func (p *Push) stallLimit() int { return max(3, p.opts.Jobs) }

// stalled counts an upload's outcome towards stallLimit and reports
// whether the limit is reached.
func (p *Push) stalled(err error) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil {
		p.stalls = 0
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		p.stalls++
	}
	return p.stalls >= p.stallLimit()
}

// pushAll sends files in parallel and returns the names that are now on
// the target.
func (p *Push) pushAll(ctx context.Context, cancel context.CancelCauseFunc, files []*File) map[string]bool {
	var mu sync.Mutex
	ok := map[string]bool{}
	parallel.Each(ctx, p.opts.Jobs, len(files), func(i int) {
		f := files[i]
		err := p.pushOne(ctx, f)
		p.files.Add(1)
		if err != nil {
			if ctx.Err() != nil {
				return // cancelled: not the file's fault
			}
			p.fail(f.Name, err)
			switch {
			case p.opts.FailFast:
				cancel(errFailFast)
			case p.stalled(err):
				cancel(fmt.Errorf("stopped: %d uploads in a row got no answer from %s in time; run the push again once it answers", p.stallLimit(), p.t))
			}
			return
		}
		p.stalled(nil)
		mu.Lock()
		ok[f.Name] = true
		mu.Unlock()
	})
	return ok
}

// fail records that name could not be written.
func (p *Push) fail(name string, err error) {
	p.failed.Add(1)
	p.mu.Lock()
	p.failures = append(p.failures, &FileError{File: name, Target: p.t.String(), Err: err})
	p.mu.Unlock()
}

func (p *Push) pushOne(ctx context.Context, f *File) error {
	if f.Present {
		p.skipped.Add(1)
		return nil
	}
	if !p.plan.Checked && !f.differs {
		same, err := p.t.Same(ctx, f.Name, f.src)
		if err != nil {
			return err
		}
		if same {
			p.skipped.Add(1)
			p.bytesTotal.Add(-f.Size)
			return nil
		}
	}
	name := f.Name
	p.current.Store(&name)
	p.started.CompareAndSwap(0, time.Now().UnixNano())
	// An HTTP transport may still be reading the body after the server
	// has answered, so the count is updated atomically.
	var sent atomic.Int64
	err := p.t.Put(ctx, f.Name, f.src, func(n int64) {
		sent.Add(n)
		p.bytes.Add(n)
	})
	if err != nil {
		p.bytes.Add(-sent.Load()) // it will be sent again
		return err
	}
	p.sent.Add(1)
	return nil
}

// lists returns the @v/list files to write: for every module with a full
// version in the plan, what the target lists already plus the full
// versions whose every file is now on the target. Lists that would not
// change are left alone.
func (p *Push) lists(ctx context.Context, ok map[string]bool) []*File {
	if !p.t.Features().List {
		return nil
	}
	complete := map[string][]string{}
	var paths []string
	for _, v := range p.plan.Versions {
		if !v.Full {
			continue
		}
		all := true
		for _, f := range v.Files {
			all = all && ok[f.Name]
		}
		if !all {
			continue
		}
		if _, seen := complete[v.Path]; !seen {
			paths = append(paths, v.Path)
		}
		complete[v.Path] = append(complete[v.Path], v.Version)
	}
	out := make([]*File, len(paths))
	parallel.Each(ctx, p.opts.Jobs, len(paths), func(i int) {
		path := paths[i]
		name, err := listName(path)
		if err != nil {
			return
		}
		old, err := listedVersions(ctx, p.t.Get, path)
		if err != nil {
			p.fail(name, fmt.Errorf("reading the current list: %v", err))
			return
		}
		merged := slices.Clone(old)
		for _, v := range complete[path] {
			if !slices.Contains(merged, v) {
				merged = append(merged, v)
			}
		}
		if len(merged) == len(old) {
			return // complete[path] is never empty: the list already has all
		}
		semver.Sort(merged)
		body := []byte(strings.Join(merged, "\n") + "\n")
		out[i] = &File{Name: name, Size: int64(len(body)), src: BytesSource(body), differs: true}
	})
	var files []*File
	for _, f := range out {
		if f != nil {
			files = append(files, f)
		}
	}
	p.filesTotal.Add(int64(len(files)))
	for _, f := range files {
		p.bytesTotal.Add(f.Size)
	}
	return files
}
