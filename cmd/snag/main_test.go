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
