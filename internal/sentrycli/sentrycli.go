// Package sentrycli installs the real sentry-cli 3 from npm, for the tests
// and benchmarks that check snag against it. npm's @sentry/cli carries the
// binary in an optional dependency, so nothing is fetched from elsewhere.
package sentrycli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Install puts @sentry/cli 3 under the user's cache directory (sub names
// the folder), unless it is there already, and returns the binary's path
// and its version line.
func Install(ctx context.Context, sub string) (bin, version string, err error) {
	if _, err := exec.LookPath("npm"); err != nil {
		return "", "", errors.New("npm is not on PATH")
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", "", err
	}
	dir := filepath.Join(cache, sub, "sentry-cli-3")
	bin = filepath.Join(dir, "node_modules", ".bin", "sentry-cli")
	if out, err := exec.CommandContext(ctx, bin, "--version").Output(); err == nil && strings.HasPrefix(string(out), "sentry-cli 3.") {
		return bin, strings.TrimSpace(string(out)), nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	cmd := exec.CommandContext(ctx, "npm", "install", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error", "@sentry/cli@3")
	// Never let its install script fall back to downloading from Sentry's CDN.
	cmd.Env = append(os.Environ(), "SENTRYCLI_SKIP_DOWNLOAD=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("npm install @sentry/cli@3: %v: %s", err, bytes.TrimSpace(out))
	}
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		return "", "", fmt.Errorf("sentry-cli --version: %w", err)
	}
	return bin, strings.TrimSpace(string(out)), nil
}

var (
	testOnce sync.Once
	testBin  string
	testErr  error
)

// ForTest returns sentry-cli for a test, installing it once per test
// binary; the test is skipped with -short, without npm, or when the
// install fails (offline).
func ForTest(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("installs sentry-cli from npm; skipped with -short")
	}
	testOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		testBin, _, testErr = Install(ctx, "snag-test")
	})
	if testErr != nil {
		t.Skipf("sentry-cli unavailable: %v", testErr)
	}
	return testBin
}
