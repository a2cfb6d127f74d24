package main

import "github.com/spf13/cobra"

// runTUI opens the terminal UI. Until it lands, print the usage.
func (a *app) runTUI(cmd *cobra.Command, args []string) error {
	return cmd.Help()
}
