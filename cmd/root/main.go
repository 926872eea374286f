package root

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/cmd/factory"
	"github.com/snag-dev/snag/internal/config"
	"github.com/snag-dev/snag/internal/iostreams"
)

// ExitCode is snag's process exit status.
type ExitCode int

// The exit codes, documented in `snag help exit-codes`.
const (
	ExitOK          ExitCode = 0
	ExitError       ExitCode = 1
	ExitUsage       ExitCode = 2
	ExitAuth        ExitCode = 4
	ExitInterrupted ExitCode = 130
)

// Main runs snag with the process's arguments, streams and signals.
func Main() ExitCode {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, factory.New(os.Getenv), os.Args[1:])
}

// Run executes one command line and turns its outcome into an exit code. It
// is the only place that knows about exit codes.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) ExitCode {
	root := NewCmdRoot(f)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	return report(ctx, f.IOStreams, cmd, err)
}

// report prints err the way its kind asks for and picks the exit code.
func report(ctx context.Context, io *iostreams.IOStreams, cmd *cobra.Command, err error) ExitCode {
	if err == nil {
		return ExitOK
	}
	code, hint := classify(ctx, err)
	switch {
	case code == ExitInterrupted:
		// The shell shows ^C already; a message would only add noise.
		return code
	case errors.Is(err, cmdutil.ErrSilent):
		return code
	}
	fmt.Fprintln(io.ErrOut, err.Error())
	if hint != "" {
		fmt.Fprintln(io.ErrOut, hint)
	}
	if code == ExitUsage && cmd != nil {
		fmt.Fprintf(io.ErrOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return code
}

// classify maps an error to its exit code and an optional hint.
func classify(ctx context.Context, err error) (ExitCode, string) {
	var (
		hintErr *cmdutil.HintError
		flagErr *cmdutil.FlagError
		authErr *cmdutil.AuthError
		dnsErr  *net.DNSError
	)
	hint := ""
	if errors.As(err, &hintErr) {
		hint = hintErr.Hint
	}
	switch {
	case errors.Is(err, cmdutil.ErrCancel), ctx.Err() != nil && errors.Is(err, context.Canceled):
		return ExitInterrupted, ""
	case errors.As(err, &flagErr), isCobraUsageError(err):
		return ExitUsage, hint
	case errors.As(err, &authErr), api.IsAuthError(err), errors.Is(err, config.ErrMalformedToken):
		if hint == "" {
			hint = authHint
		}
		return ExitAuth, hint
	case errors.As(err, &dnsErr):
		if hint == "" {
			hint = "Check the server URL (--url or SENTRY_URL) and your network connection."
		}
		return ExitError, hint
	case errors.Is(err, cmdutil.ErrSilent):
		return ExitError, ""
	}
	return ExitError, hint
}

const authHint = `To authenticate, set SENTRY_AUTH_TOKEN, pass --auth-token, or run 'snag login'.
Tokens are made in Sentry under Settings > Auth Tokens (org tokens, sntrys_...) or User Auth Tokens (sntryu_...).`

// isCobraUsageError recognises the usage errors cobra makes itself, which are
// plain errors: unknown commands, and missing required flags.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command ", "required flag(s) ", "if any flags in the group ", "none of the others can be"} {
		if strings.HasPrefix(msg, p) || strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
