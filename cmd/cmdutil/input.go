package cmdutil

import (
	"fmt"
	"io"
	"os"

	"github.com/snag-dev/snag/internal/iostreams"
)

// ReadInput reads a command's input: the file at path, or standard input
// for "" and "-". It refuses more than max bytes, which would not be the
// kind of input (what) the command expects. The name says where the input
// came from, for error messages.
func ReadInput(ios *iostreams.IOStreams, path string, max int64, what string) (data []byte, name string, err error) {
	var r io.Reader = ios.In
	name = "standard input"
	if path != "" && path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, "", err
		}
		defer f.Close()
		r, name = f, path
	}
	data, err = io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, "", fmt.Errorf("reading %s: %w", name, err)
	}
	if int64(len(data)) > max {
		return nil, "", fmt.Errorf("%s is larger than %d MiB; that is not %s", name, max>>20, what)
	}
	return data, name, nil
}
