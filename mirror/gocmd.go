package mirror

import (
	"os"
	"slices"
	"strings"
)

// The go command does every download: it checks each module against go.sum
// and the checksum database before it writes the cache, which is the
// verification modcache relies on for versions it did not have.

// Environ is the environment for the go commands a push or fetch runs: the
// process's, plus the settings of the go env file it lacks (goEnv is what
// `go env` reports, such as goenv.Env), so that the client settings worked
// out from it see the same GOSUMDB and GOPRIVATE as go does.
func Environ(goEnv map[string]string) []string {
	env := os.Environ()
	have := map[string]bool{}
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		have[k] = true
	}
	var keys []string
	for k := range goEnv {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		// GOMODCACHE is set per command; GOVERSION is not a setting.
		if v := goEnv[k]; v != "" && !have[k] && k != "GOMODCACHE" && k != "GOVERSION" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// withEnv returns env with the given KEY=value settings replacing earlier
// ones.
func withEnv(env []string, kvs ...string) []string {
	out := make([]string, 0, len(env)+len(kvs))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		replaced := false
		for _, o := range kvs {
			if strings.HasPrefix(o, k+"=") {
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	return append(out, kvs...)
}

// getEnv returns the last value of key in env.
func getEnv(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// goEnv is env for a go command that uses the module cache at root, and no
// network when offline.
func goEnv(env []string, root string, offline bool) []string {
	kv := []string{"GOMODCACHE=" + root}
	if offline {
		kv = append(kv, "GOPROXY=off")
	}
	return withEnv(env, kv...)
}
