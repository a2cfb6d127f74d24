//go:build !linux

package cache

import "os"

// openNoAtime opens path for reading. Only Linux can promise not to move
// the access time (O_NOATIME), so preserved is false here: a read may
// count as use.
func openNoAtime(path string) (*os.File, bool, error) {
	f, err := os.Open(path)
	return f, false, err
}
