package ui

import (
	"os"

	tea "charm.land/bubbletea/v2"
)

// Run starts the program on the process's terminal and blocks until the
// user quits.
func Run(opts Options, progOpts ...tea.ProgramOption) error {
	if opts.Environ == nil {
		opts.Environ = os.Environ()
	}
	m := New(opts)
	defer m.Close()
	_, err := tea.NewProgram(m, progOpts...).Run()
	return err
}
