package cmdutil

import (
	"github.com/spf13/cobra"
)

// NoArgs, ExactArgs and RangeArgs are cobra's validators, but their errors
// are FlagErrors so they exit 2 with a pointer to --help.
func NoArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return &FlagError{Err: err}
	}
	return nil
}

func ExactArgs(n int) cobra.PositionalArgs {
	return wrapArgs(cobra.ExactArgs(n))
}

func RangeArgs(lo, hi int) cobra.PositionalArgs {
	return wrapArgs(cobra.RangeArgs(lo, hi))
}

func MinimumNArgs(n int) cobra.PositionalArgs {
	return wrapArgs(cobra.MinimumNArgs(n))
}

func wrapArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return &FlagError{Err: err}
		}
		return nil
	}
}
