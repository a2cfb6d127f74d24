// Package goenv reads the go command's configuration the way the go command
// itself resolves it: process environment first, then the go env file, then
// built-in defaults. Asking `go env` is the only way to get all three right,
// so that is what we do, once per command for each set of keys.
package goenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Keys are the variables modcache cares about. They are read in one go
// invocation because starting go costs ~10ms.
var Keys = []string{
	"GOMODCACHE", "GOPATH", "GOPROXY", "GONOPROXY", "GOPRIVATE",
	"GONOSUMDB", "GOSUMDB", "GOINSECURE", "GOAUTH", "GOFLAGS", "GOVERSION",
}

// Env is a snapshot of go env values.
type Env map[string]string

// Get returns the value of key, or "" when unset.
func (e Env) Get(key string) string { return e[key] }

// Run asks the go command found on PATH, with the given environment, for Keys.
// It never caches: each command asks once and keeps the answer.
func Run(ctx context.Context, environ []string) (Env, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"env", "-json"}, Keys...)...)
	cmd.Env = environ
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	if runErr != nil {
		env := fromEnviron(environ)
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = runErr.Error()
		}
		return env, fmt.Errorf("go env: %s", msg)
	}
	env := Env{}
	if err := json.Unmarshal(out, &env); err != nil {
		return fromEnviron(environ), fmt.Errorf("go env: unexpected output: %v", err)
	}
	return env, nil
}

func fromEnviron(environ []string) Env {
	env := Env{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		for _, want := range Keys {
			if k == want {
				env[k] = v
			}
		}
	}
	return env
}
