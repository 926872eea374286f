package root

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/cmd/factory"
	"github.com/snag-dev/snag/internal/config"
	"github.com/snag-dev/snag/internal/iostreams"
)

func TestClassify(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	bg := context.Background()
	tests := []struct {
		name     string
		ctx      context.Context
		err      error
		want     ExitCode
		wantHint string
	}{
		{"plain failure", bg, errors.New("boom"), ExitError, ""},
		{"flag error", bg, cmdutil.FlagErrorf("bad --x"), ExitUsage, ""},
		{"cobra unknown command", bg, errors.New(`unknown command "x" for "snag"`), ExitUsage, ""},
		{"cobra required flag", bg, errors.New(`required flag(s) "release" not set`), ExitUsage, ""},
		{"silent", bg, fmt.Errorf("validate: %w", cmdutil.ErrSilent), ExitError, ""},
		{"cancelled by user", bg, cmdutil.ErrCancel, ExitInterrupted, ""},
		{"interrupted", cancelled, fmt.Errorf("upload: %w", context.Canceled), ExitInterrupted, ""},
		{"context.Canceled without a signal is a failure", bg, context.Canceled, ExitError, ""},
		{"401", bg, &api.HTTPError{StatusCode: 401}, ExitAuth, "SENTRY_AUTH_TOKEN"},
		{"403 wrapped", bg, fmt.Errorf("list: %w", &api.HTTPError{StatusCode: 403}), ExitAuth, "snag login"},
		{"404 is a failure", bg, &api.HTTPError{StatusCode: 404}, ExitError, ""},
		{"no token", bg, &cmdutil.AuthError{Err: factory.ErrNoToken}, ExitAuth, "SENTRY_AUTH_TOKEN"},
		{"malformed token", bg, fmt.Errorf("x: %w", config.ErrMalformedToken), ExitAuth, "snag login"},
		{"auth error keeps its own hint", bg, cmdutil.WithHint(&api.HTTPError{StatusCode: 401}, "use another token"), ExitAuth, "use another token"},
		{"dns", bg, fmt.Errorf("get: %w", &net.DNSError{Err: "no such host", Name: "sentry.invalid"}), ExitError, "--url"},
		{"hint", bg, cmdutil.WithHint(errors.New("no maps found"), "pass --maps"), ExitError, "pass --maps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, hint := classify(tt.ctx, tt.err)
			if got != tt.want {
				t.Errorf("code = %d, want %d", got, tt.want)
			}
			if tt.wantHint == "" && hint != "" {
				t.Errorf("hint = %q, want none", hint)
			}
			if !strings.Contains(hint, tt.wantHint) {
				t.Errorf("hint = %q, want it to contain %q", hint, tt.wantHint)
			}
		})
	}
}

// testFactory returns a factory in an empty world: a fresh home, working
// directory and environment.
func testFactory(t *testing.T, env map[string]string) (*cmdutil.Factory, *iostreams.IOStreams) {
	t.Helper()
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	work := filepath.Join(dir, "work")
	for _, d := range []string{home, work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["XDG_CONFIG_HOME"]; !ok {
		env["XDG_CONFIG_HOME"] = filepath.Join(dir, "config")
	}
	ios, _, _, _ := iostreams.Test()
	f := factory.NewWith(factory.Options{IO: ios, Getenv: func(k string) string { return env[k] }, WorkDir: work, HomeDir: home})
	return f, ios
}

func TestRun(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		want       ExitCode
		wantOut    string
		wantErrOut string
	}{
		{"version", []string{"version"}, ExitOK, "snag version ", ""},
		{"--version", []string{"--version"}, ExitOK, "snag version ", ""},
		{"help", []string{"--help"}, ExitOK, "Setup:", ""},
		{"help topic", []string{"help", "exit-codes"}, ExitOK, "130  interrupted", ""},
		{"unknown command", []string{"frobnicate"}, ExitUsage, "", "unknown command \"frobnicate\" for \"snag\"\nRun 'snag --help' for usage.\n"},
		{"unknown flag", []string{"info", "--nope"}, ExitUsage, "", "unknown flag: --nope\nRun 'snag info --help' for usage.\n"},
		{"extra argument", []string{"version", "x"}, ExitUsage, "", "unknown command \"x\" for \"snag version\"\nRun 'snag version --help' for usage.\n"},
		{"login without a terminal", []string{"login"}, ExitUsage, "", "no token"},
		{"completion needs a shell", []string{"completion"}, ExitUsage, "", "accepts 1 arg(s), received 0"},
		{"completion bash", []string{"completion", "bash"}, ExitOK, "bash completion V2 for snag", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := testFactory(t, nil)
			ios, _, out, errOut := iostreams.Test()
			f.IOStreams = ios
			got := Run(context.Background(), f, tt.args)
			if got != tt.want {
				t.Errorf("exit = %d, want %d (stderr %q)", got, tt.want, errOut.String())
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout = %q, want it to contain %q", out.String(), tt.wantOut)
			}
			if !strings.Contains(errOut.String(), tt.wantErrOut) {
				t.Errorf("stderr = %q, want it to contain %q", errOut.String(), tt.wantErrOut)
			}
			if tt.wantErrOut == "" && errOut.Len() > 0 {
				t.Errorf("unexpected stderr %q", errOut.String())
			}
		})
	}
}

// TestEveryCommandIsDocumented holds the help to its standard: every command
// a user can run has a Short and at least two examples.
func TestEveryCommandIsDocumented(t *testing.T) {
	f, _ := testFactory(t, nil)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c.Hidden || c.Name() == "help" {
			return
		}
		if c.Short == "" || strings.HasSuffix(c.Short, ".") {
			t.Errorf("%s: Short %q must be set and not end with a period", c.CommandPath(), c.Short)
		}
		if c.Runnable() && !c.HasAvailableSubCommands() {
			if n := cmdutil.ExampleCount(c.Example); n < 2 {
				t.Errorf("%s: %d examples, want at least 2", c.CommandPath(), n)
			}
		}
		if c.IsAdditionalHelpTopicCommand() && c.Long == "" {
			t.Errorf("help topic %s has no text", c.Name())
		}
	}
	walk(NewCmdRoot(f))
}
