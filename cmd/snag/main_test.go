package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// TestReleaseLdflagsReachTheBinary builds snag with the -X flags written in
// .goreleaser.yaml and checks `snag --version` prints what they set: a path
// that does not match the module silently sets nothing.
func TestReleaseLdflagsReachTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	cfg, err := os.ReadFile(filepath.Join("..", "..", ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{"{{ .Version }}": "9.8.7", "{{ .ShortCommit }}": "feedbee", "{{ .CommitDate }}": "2026-05-04T03:02:01Z"}
	var flags []string
	for _, m := range regexp.MustCompile(`-X (\S+)=(\{\{ \.\w+ \}\})`).FindAllStringSubmatch(string(cfg), -1) {
		v, ok := values[m[2]]
		if !ok {
			t.Fatalf("unexpected template %s in .goreleaser.yaml", m[2])
		}
		flags = append(flags, "-X "+m[1]+"="+v)
	}
	if len(flags) != 3 {
		t.Fatalf("found %d -X flags in .goreleaser.yaml, want 3", len(flags))
	}
	bin := filepath.Join(t.TempDir(), "snag")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.Command("go", "build", "-trimpath", "-ldflags", strings.Join(flags, " "), "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("snag --version: %v\n%s", err, out)
	}
	if want := "snag version 9.8.7 (feedbee, 2026-05-04)\n"; string(out) != want {
		t.Fatalf("snag --version = %q, want %q", out, want)
	}
}

// TestLayering enforces the package boundaries of DESIGN.md: only cmd/
// imports cobra; domain packages import no TUI; sourcemaps is stdlib-only;
// the TUI reaches data only through its interface.
func TestLayering(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "github.com/snag-dev/snag/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/snag-dev/snag/"
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := strings.TrimPrefix(fields[0], mod), fields[1:]
		for _, imp := range imports {
			cli := strings.HasPrefix(imp, "github.com/spf13/cobra") || strings.HasPrefix(imp, "github.com/spf13/pflag")
			tui := strings.HasPrefix(imp, "charm.land/")
			stdlib := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".")
			switch {
			case cli && !strings.HasPrefix(pkg, "cmd/"):
				t.Errorf("%s imports %s: only cmd/ may import cobra", pkg, imp)
			case tui && !strings.HasPrefix(pkg, "tui") && !strings.HasPrefix(pkg, "cmd/"):
				t.Errorf("%s imports %s: only tui/ (and cmd/) may import the Charm libraries", pkg, imp)
			case strings.HasPrefix(pkg, "sourcemaps") && !stdlib:
				t.Errorf("%s imports %s: sourcemaps uses the standard library only", pkg, imp)
			case strings.HasPrefix(pkg, "tui") && (imp == "net/http" || imp == "database/sql"):
				t.Errorf("%s imports %s: the TUI reaches data only through its interface", pkg, imp)
			}
		}
	}
}
