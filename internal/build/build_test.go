package build

import (
	"runtime/debug"
	"testing"
)

func TestResolve(t *testing.T) {
	vcs := &debug.BuildInfo{
		Main: debug.Module{Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"},
			{Key: "vcs.time", Value: "2026-11-01T10:00:00Z"},
		},
	}
	tests := []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  Info
		wantString            string
	}{
		{"ldflags win", "v1.2.3", "abc1234", "2026-01-02T03:04:05Z", vcs,
			Info{"1.2.3", "abc1234", "2026-01-02T03:04:05Z"}, "1.2.3 (abc1234, 2026-01-02)"},
		{"go install of a tag", "", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"}},
			Info{Version: "0.4.0"}, "0.4.0"},
		{"checkout with vcs stamping", "", "", "", vcs,
			Info{"dev", "0123456789ab", "2026-11-01T10:00:00Z"}, "dev (0123456789ab, 2026-11-01)"},
		{"nothing known", "", "", "", nil, Info{Version: "dev"}, "dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := resolve(tt.version, tt.commit, tt.date, tt.bi)
			if got != tt.want {
				t.Fatalf("resolve = %+v, want %+v", got, tt.want)
			}
			if s := got.String(); s != tt.wantString {
				t.Fatalf("String = %q, want %q", s, tt.wantString)
			}
		})
	}
}

func TestGetNeverEmpty(t *testing.T) {
	if Get().Version == "" {
		t.Fatal("empty version")
	}
	if UserAgent() == "snag/" {
		t.Fatal("empty user agent version")
	}
}
