// Command snag: sourcemaps, stack traces and a local Sentry-compatible server.
package main

import (
	"os"

	"github.com/snag-dev/snag/cmd/root"
)

func main() { os.Exit(int(root.Main())) }
