package cmdutil

import (
	"encoding/json"
	"io"

	"github.com/spf13/cobra"
)

// AddJSONFlag adds --json, the machine-readable form every data command
// offers. Field names are stable and documented; Sentry's names where Sentry
// has one.
func AddJSONFlag(cmd *cobra.Command, target *bool) {
	cmd.Flags().BoolVar(target, "json", false, "Print JSON instead of text")
}

// WriteJSON is the one JSON exporter: two-space indented, no HTML escaping,
// a trailing newline.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
