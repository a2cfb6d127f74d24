package cache

import (
	"os"
	"syscall"
	"time"
)

func atimeOfInfo(fi os.FileInfo) time.Time {
	st := fi.Sys().(*syscall.Stat_t)
	return time.Unix(st.Atim.Unix())
}
