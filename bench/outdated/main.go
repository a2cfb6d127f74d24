// Command outdated compares `modcache outdated` with `go list -m -u all`
// on the same module set, against a local proxy that adds a fixed delay to
// every request (as a real network does).
//
//	go run ./bench/outdated -modules 300 -delay 20ms
//
// Both commands see the same GOMODCACHE, filled by the go command from the
// same proxy, in which every module has a newer version than the cache.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/modcache/modcache/internal/fixture"
)

func main() {
	n := flag.Int("modules", 300, "modules in the build")
	delay := flag.Duration("delay", 20*time.Millisecond, "added to every proxy request")
	flag.Parse()
	tb := fixture.NewProgramTB()
	defer tb.Close()

	var mods []fixture.Mod
	var requires []string
	for i := range *n {
		path := fmt.Sprintf("example.com/dep%03d", i)
		mods = append(mods, fixture.Mod{Path: path, Version: "v1.0.0"})
		requires = append(requires, path+" v1.0.0")
	}
	p := fixture.NewProxy(tb, mods...)
	log.Printf("filling a cache with %d modules using the go command…", *n)
	fc := fixture.FillCache(tb, p, requires)
	for i := range *n {
		p.Add(tb, fixture.Mod{Path: fmt.Sprintf("example.com/dep%03d", i), Version: "v1.1.0"})
	}

	var requests atomic.Int64
	files := http.FileServer(http.Dir(p.Dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		time.Sleep(*delay)
		files.ServeHTTP(w, r)
	}))
	defer srv.Close()
	env := fixture.With(fc.Env, "GOPROXY="+srv.URL)

	bin := filepath.Join(tb.TempDir(), "modcache")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/modcache").CombinedOutput(); err != nil {
		log.Fatalf("build modcache: %v\n%s", err, out)
	}

	requests.Store(0)
	goTime, goOut := timed(fc.Project, env, "go", "list", "-m", "-u", "all")
	goReq := requests.Swap(0)
	mcEnv := append(env, "MODCACHE_INDEX_DIR="+tb.TempDir())
	mcTime, mcOut := timed(fc.Project, mcEnv, bin, "outdated", "--modcache", fc.Root)
	if os.Getenv("SHOW") != "" {
		fmt.Println(mcOut)
	}
	mcReq := requests.Load()

	goUpdates := strings.Count(goOut, "[v1.1.0]")
	mcUpdates := strings.Count(mcOut, "v1.1.0")
	fmt.Printf("%d modules, %v per request\n", *n, *delay)
	fmt.Printf("  go list -m -u all   %8.2fs  %5d requests  %d updates\n", goTime.Seconds(), goReq, goUpdates)
	fmt.Printf("  modcache outdated   %8.2fs  %5d requests  %d updates\n", mcTime.Seconds(), mcReq, mcUpdates)
	fmt.Printf("  speed-up            %8.1fx\n", goTime.Seconds()/mcTime.Seconds())
	if goUpdates != *n || mcUpdates != *n {
		log.Fatalf("the two disagree or missed updates: go %d, modcache %d, want %d", goUpdates, mcUpdates, *n)
	}
}

func timed(dir string, env []string, name string, args ...string) (time.Duration, string) {
	cmd := exec.CommandContext(context.Background(), name, args...)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		log.Fatalf("%s %v: %v\n%s", name, args, err, out.String())
	}
	return time.Since(start), out.String()
}

func init() { log.SetFlags(0); _ = os.Stderr }
