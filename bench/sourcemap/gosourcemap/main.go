// Command gosourcemap is the competitor in the one-shot unminify benchmark:
// github.com/go-sourcemap/sourcemap doing what `snag unminify` does for a
// trace, read the map, parse it, and look up every frame.
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strconv"

	"github.com/go-sourcemap/sourcemap"
)

var position = regexp.MustCompile(`:(\d+):(\d+)\)?$`)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gosourcemap MAP TRACE")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	m, err := sourcemap.Parse("", data)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	trace, err := os.Open(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer trace.Close()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	sc := bufio.NewScanner(trace)
	for sc.Scan() {
		p := position.FindStringSubmatch(sc.Text())
		if p == nil {
			fmt.Fprintln(out, sc.Text())
			continue
		}
		line, _ := strconv.Atoi(p[1])
		col, _ := strconv.Atoi(p[2])
		file, fn, l, c, ok := m.Source(line, col-1)
		if !ok {
			fmt.Fprintln(out, sc.Text())
			continue
		}
		fmt.Fprintf(out, "    at %s (%s:%d:%d)\n", fn, file, l, c+1)
	}
}
