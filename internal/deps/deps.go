// Package deps pins dependencies that are not imported yet, so go mod tidy
// keeps them while packages are being written. Delete when all are used.
package deps

import (
	_ "charm.land/bubbles/v2/table"
	_ "charm.land/bubbletea/v2"
	_ "charm.land/lipgloss/v2"
	_ "github.com/charmbracelet/x/exp/teatest/v2"
	_ "github.com/dustin/go-humanize"
	_ "github.com/minio/minio-go/v7"
	_ "github.com/pelletier/go-toml/v2"
	_ "github.com/rogpeppe/go-internal/lockedfile"
	_ "github.com/spf13/cobra"
	_ "github.com/xhit/go-str2duration/v2"
	_ "golang.org/x/crypto/ssh"
	_ "golang.org/x/image/font/gofont/gomono"
	_ "golang.org/x/mod/zip"
	_ "golang.org/x/sync/errgroup"
	_ "golang.org/x/sys/unix"
)
