//go:build unix

package mirror

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// The S3 and HTTP PUT tests run real servers: versitygw (an S3 gateway
// over a directory) and nginx with the dav module. They are not optional:
// a skipped test proves nothing.

// findServer locates a server binary on PATH, in $(go env GOPATH)/bin or
// in /usr/sbin, or fails the test saying how to install it.
func findServer(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	var dirs []string
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, d := range filepath.SplitList(string(bytes.TrimSpace(out))) {
			dirs = append(dirs, filepath.Join(d, "bin"))
		}
	}
	dirs = append(dirs, "/usr/sbin", "/usr/local/sbin")
	for _, d := range dirs {
		if p := filepath.Join(d, name); exists(p) {
			return p
		}
	}
	t.Fatalf("%s is not installed (looked on PATH, in %v); run .ci/install-servers.sh", name, dirs)
	return ""
}

// freePort returns a loopback port nothing listens on right now.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startServer runs cmd until the test ends and waits for it to listen.
// The server gets its own process group, so stopping it also stops the
// workers it forks (nginx), and its output goes to a file, so no pipe is
// left open by a stray child.
func startServer(t testing.TB, cmd *exec.Cmd, port int) {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), filepath.Base(cmd.Path)+".log")
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	// exited is closed, not sent on, so both the wait below and the
	// cleanup see a server that exited by itself (a bad config).
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})
	output := func() string { data, _ := os.ReadFile(logPath); return string(data) }
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-exited:
			t.Fatalf("%s exited: %v\n%s", cmd.Path, waitErr, output())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not listen on port %d:\n%s", cmd.Path, port, output())
		}
	}
}

const (
	s3Access = "modcacheaccess"
	s3Secret = "modcachesecret123"
	s3Bucket = "modules"
)

// startVersityGW runs an S3 gateway over a directory and creates a bucket.
// It returns the mirror URL for prefix and the directory holding the
// bucket's objects under prefix.
func startVersityGW(t testing.TB, prefix string) (url, dir string, opts Options) {
	t.Helper()
	bin := findServer(t, "versitygw")
	root := filepath.Join(t.TempDir(), "gw")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	startServer(t, exec.Command(bin, "--access", s3Access, "--secret", s3Secret,
		"--port", fmt.Sprintf("127.0.0.1:%d", port), "--quiet", "posix", root), port)
	url = fmt.Sprintf("s3://%s/%s?endpoint=http://127.0.0.1:%d&region=us-east-1", s3Bucket, prefix, port)
	opts = Options{S3AccessKey: s3Access, S3SecretKey: s3Secret}
	tg, err := Open(context.Background(), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := tg.(*s3Target).c.MakeBucket(context.Background(), s3Bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return url, filepath.Join(root, s3Bucket, filepath.FromSlash(prefix)), opts
}

// startNginx runs nginx with PUT enabled on a temp root and returns the
// root URL and the directory it writes to.
func startNginx(t testing.TB) (url, dir string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "html")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return startNginxWith(t, dir, `location / {
            dav_methods PUT;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
        }`), dir
}

// startNginxWith runs nginx on loopback with root dir and the given
// location blocks.
func startNginxWith(t testing.TB, dir, locations string) (url string) {
	t.Helper()
	bin := findServer(t, "nginx")
	prefix := t.TempDir()
	port := freePort(t)
	user := ""
	if os.Getuid() == 0 {
		// As root nginx would switch its workers to nobody, who cannot
		// write the test's directories.
		user = "user root;"
	}
	conf := fmt.Sprintf(`%s
worker_processes 1;
error_log %[2]s/error.log;
pid %[2]s/nginx.pid;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path %[2]s/body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    server {
        listen 127.0.0.1:%[3]d;
        root %[4]s;
        client_max_body_size 600m;
        %[5]s
    }
}
`, user, prefix, port, dir, locations)
	confPath := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	startServer(t, exec.Command(bin, "-p", prefix, "-e", filepath.Join(prefix, "error.log"), "-c", confPath, "-g", "daemon off;"), port)
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}
