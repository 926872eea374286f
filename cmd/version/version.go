// Package version is `snag version`.
package version

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/build"
	"github.com/snag-dev/snag/internal/iostreams"
)

// Options are `snag version`'s inputs.
type Options struct {
	IO   *iostreams.IOStreams
	JSON bool
	Info func() build.Info
}

// NewCmdVersion builds the command; runF replaces the run function in tests.
func NewCmdVersion(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Info: build.Get}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print snag's version, commit and build date",
		Example: cmdutil.Examples(
			"snag version",
			"snag version --json",
			"snag --version",
		),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	cmdutil.AddJSONFlag(cmd, &opts.JSON)
	return cmd
}

func run(opts *Options) error {
	info := opts.Info()
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, info)
	}
	_, err := fmt.Fprintf(opts.IO.Out, "snag version %s\n", info)
	return err
}
