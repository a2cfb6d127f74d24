package main

import (
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, (*app).syncCommand) }

func (a *app) syncCommand() *cobra.Command {
	var f pushFlags
	cmd := &cobra.Command{
		Use:   "sync --project DIR --to TARGET",
		Short: "Fill a mirror with everything a project needs to build offline",
		Long: `sync gets a project ready for a network without the internet. It asks the go
command in DIR what the project's build needs (workspaces included),
downloads whatever the module cache lacks (go verifies it), pushes all of it
with the checksum database records to TARGET, reads the mirror back to check
every file arrived intact, and prints the settings for clients.

It is 'modcache push --project DIR' followed by a check; see 'modcache push
--help' for the targets and for how versions are verified.`,
		Example: `  modcache sync --project . --to file:///srv/goproxy
  modcache sync --project ~/src/app --to s3://mods/goproxy?endpoint=minio.lan:9000
  modcache sync --project . --to bundle:///media/usb/deps.tar.zst`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.project == "" {
				return usagef(cmd, "--project DIR is required")
			}
			return a.push(cmd, f, nil, !f.dryRun)
		},
	}
	f.register(cmd, false)
	cmd.Flags().StringVar(&f.project, "project", "", "the Go project (module or workspace) `DIR` to sync")
	return cmd
}
