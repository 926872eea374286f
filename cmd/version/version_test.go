package version

import (
	"testing"

	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/build"
	"github.com/snag-dev/snag/internal/iostreams"
)

func TestVersion(t *testing.T) {
	info := build.Info{Version: "1.2.3", Commit: "abc1234", Date: "2026-01-02T03:04:05Z"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"text", nil, "snag version 1.2.3 (abc1234, 2026-01-02)\n"},
		{"json", []string{"--json"}, "{\n  \"version\": \"1.2.3\",\n  \"commit\": \"abc1234\",\n  \"date\": \"2026-01-02T03:04:05Z\"\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, _ := iostreams.Test()
			cmd := NewCmdVersion(&cmdutil.Factory{IOStreams: ios}, func(o *Options) error {
				o.Info = func() build.Info { return info }
				return run(o)
			})
			cmd.SetArgs(tt.args)
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Fatalf("got %q, want %q", out.String(), tt.want)
			}
		})
	}
}
