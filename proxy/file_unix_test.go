//go:build unix

package proxy

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A FIFO in a file:// tree (standing in for a file on a hung mount) is
// refused at once: opening it for reading would wait for a writer forever,
// beyond the reach of timeouts and ctrl+c.
func TestFileRemoteRefusesAFIFO(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "example.com", "m", "@v")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "list")
	if err := syscall.Mkfifo(fifo, 0o666); err != nil {
		t.Fatal(err)
	}
	// Should the list be opened anyway, a writer lets the test end.
	t.Cleanup(func() {
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
	})
	c := newTestClient(t, testConfig(t, fileURL(root)))
	errc := make(chan error, 1)
	go func() {
		_, err := c.List(context.Background(), c.Remotes()[0], "example.com/m")
		errc <- err
	}()
	select {
	case err := <-errc:
		wantErrContains(t, err, "list example.com/m", "not a regular file")
	case <-time.After(10 * time.Second):
		t.Fatal("List is still waiting on a FIFO after 10s")
	}
}
