package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/iostreams"
	"github.com/snag-dev/snag/local/grouping"
	"github.com/snag-dev/snag/local/ingest"
)

// maxInput bounds what is read from the file or stdin (Relay's envelope limit).
const maxInput = 200 << 20

// FingerprintOptions are `snag events fingerprint`'s inputs.
type FingerprintOptions struct {
	IO               *iostreams.IOStreams
	Input            string // a path, "-" or "" for stdin
	StackTraceRules  string // a file of stack trace rules
	FingerprintRules string // a file of fingerprint rules
	JSON             bool
}

// NewCmdFingerprint builds the command; runF replaces the run function in tests.
func NewCmdFingerprint(f *cmdutil.Factory, runF func(context.Context, *FingerprintOptions) error) *cobra.Command {
	opts := &FingerprintOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "fingerprint [<file> | -]",
		Short: "Show an event's grouping hashes and what produced them",
		Long: heredoc.Docf(`
			Read one event (the JSON an SDK sends, or an envelope carrying it), normalize it as
			snag's server does, and group it as Sentry does (config %s): print the hashes
			and, per variant, the tree of values that went into each hash and why the others
			were left out.

			Two events land in the same issue when they share any hash. The app variant only
			counts in-app frames, the system variant every frame; without a usable stack trace
			the exception type and value (numbers, ids, dates, ... replaced by placeholders)
			or the message count instead. A fingerprint set by the SDK, or by a fingerprint
			rule, replaces or salts them.

			Project rules in Sentry's syntax can be given with --stack-trace-rules and
			--fingerprint-rules; rules embedded in the event as Sentry's grouping tests embed
			them ("_grouping", "_fingerprinting_rules") are honoured too.
		`, grouping.Config),
		Example: cmdutil.Examples(
			"snag events fingerprint event.json",
			"snag events fingerprint request.envelope --json | jq -r '.hashes[0]'",
			"# Why did these two group? Compare their hashes:",
			"snag events fingerprint a.json --json | jq .hashes; snag events fingerprint b.json --json | jq .hashes",
			"snag events fingerprint event.json --stack-trace-rules rules.txt",
		),
		Args: cmdutil.RangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Input = args[0]
			}
			if opts.Input == "" && opts.IO.IsStdinTTY() {
				return cmdutil.FlagErrorf("no input: pass an event JSON file, or pipe one into snag events fingerprint")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runFingerprint(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.StackTraceRules, "stack-trace-rules", "", "File of stack trace rules (Sentry's syntax) to apply after the built-in ones")
	cmd.Flags().StringVar(&opts.FingerprintRules, "fingerprint-rules", "", "File of fingerprint rules (Sentry's syntax) to try before the built-in ones")
	cmdutil.AddJSONFlag(cmd, &opts.JSON)
	return cmd
}

func runFingerprint(ctx context.Context, opts *FingerprintOptions) error {
	gopts := grouping.Options{EventRules: true}
	if opts.StackTraceRules != "" {
		text, err := os.ReadFile(opts.StackTraceRules)
		if err != nil {
			return cmdutil.FlagErrorf("--stack-trace-rules: %v", err)
		}
		if gopts.StackTraceRules, err = grouping.ParseStackTraceRules(string(text)); err != nil {
			return cmdutil.FlagErrorf("--stack-trace-rules %s: %v", opts.StackTraceRules, err)
		}
	}
	if opts.FingerprintRules != "" {
		text, err := os.ReadFile(opts.FingerprintRules)
		if err != nil {
			return cmdutil.FlagErrorf("--fingerprint-rules: %v", err)
		}
		if gopts.FingerprintRules, err = grouping.ParseFingerprintRules(string(text)); err != nil {
			return cmdutil.FlagErrorf("--fingerprint-rules %s: %v", opts.FingerprintRules, err)
		}
	}
	input, name, err := cmdutil.ReadInput(opts.IO, opts.Input, maxInput, "an event")
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	payload, eventID, err := eventPayload(input)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	ne, err := ingest.Normalize(payload, ingest.NormalizeOptions{EventID: eventID})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	res := grouping.Compute(ne.Event, gopts)
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, res)
	}
	_, err = io.WriteString(opts.IO.Out, renderText(res, opts.IO.ColorScheme()))
	return err
}

// eventPayload accepts an event JSON, or an envelope with an event item.
func eventPayload(data []byte) ([]byte, string, error) {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if len(trimmed) == 0 {
		return nil, "", errors.New("empty input")
	}
	if json.Valid(trimmed) {
		return trimmed, "", nil
	}
	env, err := ingest.ParseEnvelope(trimmed, ingest.DefaultLimits())
	if err != nil {
		return nil, "", cmdutil.WithHint(errors.New("neither an event JSON nor an envelope"),
			"snag events fingerprint reads the event JSON an SDK sends (or an envelope carrying one).")
	}
	item := env.EventItem()
	if item == nil || item.Header.Type != "event" {
		return nil, "", errors.New("the envelope carries no error event")
	}
	return item.Payload, env.Header.EventID, nil
}

// renderText shows each variant's tree: ✓ for what counted, ✗ and the
// reason for what did not.
func renderText(res grouping.Result, cs *iostreams.ColorScheme) string {
	var b strings.Builder
	b.WriteString(cs.Bold("Hashes:"))
	for i, h := range res.Hashes {
		name := ""
		for _, n := range res.Order {
			if res.Variants[n].Contributes && res.Variants[n].Hash == h {
				name = n
				break
			}
		}
		sep := " "
		if i > 0 {
			sep = ", "
		}
		fmt.Fprintf(&b, "%s%s (%s)", sep, h, name)
	}
	b.WriteString("\n")
	b.WriteString(cs.Gray("Events sharing any of these hashes are grouped into one issue.") + "\n")
	for _, name := range res.Order {
		v := res.Variants[name]
		b.WriteByte('\n')
		if v.Contributes {
			fmt.Fprintf(&b, "%s %s %s", cs.Green("✓"), cs.Bold(name), v.Hash)
			if v.Kind != grouping.KindComponent {
				b.WriteString("  " + cs.Gray("("+strings.ReplaceAll(v.Kind, "_", " ")+")"))
			}
			b.WriteByte('\n')
		} else {
			line := fmt.Sprintf("✗ %s  not used", name)
			if v.Hint != "" {
				line += ": " + v.Hint
			}
			b.WriteString(cs.Gray(line) + "\n")
		}
		if len(v.Values) > 0 {
			q, _ := json.Marshal(v.Values)
			fmt.Fprintf(&b, "    fingerprint %s\n", q)
		}
		if v.MatchedRule != "" {
			fmt.Fprintf(&b, "    set by rule %s\n", v.MatchedRule)
		}
		if len(v.ClientFingerprint) > 0 {
			q, _ := json.Marshal(v.ClientFingerprint)
			fmt.Fprintf(&b, "    replacing the SDK's fingerprint %s\n", q)
		}
		if v.Checksum != "" {
			fmt.Fprintf(&b, "    from the event's checksum %q\n", v.Checksum)
		}
		if v.Component != nil {
			for _, c := range v.Component.Values {
				if x, ok := c.(*grouping.Component); ok {
					writeComponent(&b, x, "    ", cs)
				}
			}
		}
	}
	return b.String()
}

func writeComponent(b *strings.Builder, c *grouping.Component, indent string, cs *iostreams.ColorScheme) {
	var leaves []string
	var children []*grouping.Component
	for _, v := range c.Values {
		switch x := v.(type) {
		case string:
			q, _ := json.Marshal(x)
			leaves = append(leaves, string(bytes.ReplaceAll(bytes.ReplaceAll(q, []byte(`\u003c`), []byte("<")), []byte(`\u003e`), []byte(">"))))
		case *grouping.Component:
			children = append(children, x)
		}
	}
	line := c.ID
	if len(leaves) > 0 {
		line += " " + strings.Join(leaves, " ")
	}
	if c.Contributes {
		line = cs.Green("✓") + " " + line
		if c.Hint != "" {
			line += "  " + cs.Gray("("+c.Hint+")")
		}
	} else {
		reason := "ignored"
		switch {
		case strings.HasPrefix(c.Hint, "ignored"):
			reason = c.Hint
		case c.Hint != "":
			reason += ": " + c.Hint
		}
		line = cs.Gray("✗ " + line + "  " + reason)
	}
	b.WriteString(indent + line + "\n")
	for _, x := range children {
		writeComponent(b, x, indent+"  ", cs)
	}
}
