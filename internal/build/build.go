// Package build reports which snag this is: version, commit and build date.
//
// Release builds set the variables with -ldflags -X; `go install` builds fill
// them from the module's build info so a version is never empty.
package build

import (
	"runtime/debug"
	"strings"
	"sync"
)

// Set by the release build:
//
//	-X github.com/snag-dev/snag/internal/build.Version=1.2.3
//	-X github.com/snag-dev/snag/internal/build.Commit=abc1234
//	-X github.com/snag-dev/snag/internal/build.Date=2026-01-02T03:04:05Z
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info is what `snag version` prints.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	Date    string `json:"date,omitempty"`
}

var (
	once sync.Once
	info Info
)

// Get returns the build info, filling gaps from debug.ReadBuildInfo.
func Get() Info {
	once.Do(func() {
		bi, _ := debug.ReadBuildInfo()
		info = resolve(Version, Commit, Date, bi)
	})
	return info
}

// resolve is Get without the global state, for tests.
func resolve(version, commit, date string, bi *debug.BuildInfo) Info {
	in := Info{Version: strings.TrimPrefix(version, "v"), Commit: commit, Date: date}
	if bi != nil {
		if in.Version == "" {
			// "(devel)" is what a build from a checkout reports; a module
			// installed with `go install ...@v1.2.3` reports "v1.2.3".
			if v := bi.Main.Version; v != "" && v != "(devel)" {
				in.Version = strings.TrimPrefix(v, "v")
			}
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if in.Commit == "" {
					in.Commit = s.Value
				}
			case "vcs.time":
				if in.Date == "" {
					in.Date = s.Value
				}
			}
		}
	}
	if in.Version == "" {
		in.Version = "dev"
	}
	if len(in.Commit) > 12 {
		in.Commit = in.Commit[:12]
	}
	return in
}

// String is the one-line form: "1.2.3 (abc1234, 2026-01-02)".
func (i Info) String() string {
	var extra []string
	if i.Commit != "" {
		extra = append(extra, i.Commit)
	}
	if i.Date != "" {
		d := i.Date
		if len(d) >= 10 {
			d = d[:10]
		}
		extra = append(extra, d)
	}
	if len(extra) == 0 {
		return i.Version
	}
	return i.Version + " (" + strings.Join(extra, ", ") + ")"
}

// UserAgent is the HTTP User-Agent snag sends.
func UserAgent() string { return "snag/" + Get().Version }
