// Package iostreams holds every terminal decision snag makes: which streams
// are terminals, whether to use colour, how wide the screen is, and whether
// it may prompt. Commands write data to Out and everything else to ErrOut.
package iostreams

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"
)

// IOStreams is the terminal environment a command runs in.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	inTTY, outTTY, errTTY bool
	colorOut, colorErr    bool
	neverPrompt           bool

	// width reports the terminal width; nil or 0 means unknown.
	width func() int
}

// Getenv is os.Getenv's shape, so tests can pass a map.
type Getenv func(string) string

// System returns the process's real streams, with terminal detection and
// colour decided from the environment (NO_COLOR, CLICOLOR, CLICOLOR_FORCE,
// SNAG_FORCE_TTY).
func System(getenv Getenv) *IOStreams {
	s := &IOStreams{
		In:     os.Stdin,
		Out:    os.Stdout,
		ErrOut: os.Stderr,
		inTTY:  isTerminal(os.Stdin),
		outTTY: isTerminal(os.Stdout),
		errTTY: isTerminal(os.Stderr),
	}
	if v := getenv("SNAG_FORCE_TTY"); v != "" && v != "0" && v != "false" {
		s.outTTY = true
		if n, err := strconv.Atoi(v); err == nil && n > 1 {
			s.width = func() int { return n }
		}
	}
	if s.width == nil {
		s.width = func() int {
			for _, f := range []*os.File{os.Stdout, os.Stderr} {
				if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
					return w
				}
			}
			return 0
		}
	}
	s.colorOut = ColorEnabled(s.outTTY, getenv)
	s.colorErr = ColorEnabled(s.errTTY, getenv)
	return s
}

// ColorEnabled decides colour for a stream. NO_COLOR always wins; then
// CLICOLOR_FORCE forces colour even when piped; CLICOLOR=0 and TERM=dumb
// turn it off; otherwise colour follows whether the stream is a terminal.
func ColorEnabled(isTTY bool, getenv Getenv) bool {
	switch {
	case getenv("NO_COLOR") != "":
		return false
	case truthy(getenv("CLICOLOR_FORCE")):
		return true
	case getenv("CLICOLOR") == "0", getenv("TERM") == "dumb":
		return false
	}
	return isTTY
}

func truthy(v string) bool { return v != "" && v != "0" && !strings.EqualFold(v, "false") }

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// Test returns streams backed by buffers: nothing is a terminal and colour is
// off until a test says otherwise.
func Test() (s *IOStreams, in *bytes.Buffer, out *bytes.Buffer, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// SetStdinTTY, SetStdoutTTY and SetStderrTTY let tests pretend.
func (s *IOStreams) SetStdinTTY(v bool)  { s.inTTY = v }
func (s *IOStreams) SetStdoutTTY(v bool) { s.outTTY = v }
func (s *IOStreams) SetStderrTTY(v bool) { s.errTTY = v }

// SetColorEnabled turns colour on or off on both output streams.
func (s *IOStreams) SetColorEnabled(v bool) { s.colorOut, s.colorErr = v, v }

// SetTerminalWidth fixes the width, for tests.
func (s *IOStreams) SetTerminalWidth(w int) { s.width = func() int { return w } }

// SetNeverPrompt forbids prompts even on a terminal.
func (s *IOStreams) SetNeverPrompt(v bool) { s.neverPrompt = v }

func (s *IOStreams) IsStdinTTY() bool  { return s.inTTY }
func (s *IOStreams) IsStdoutTTY() bool { return s.outTTY }
func (s *IOStreams) IsStderrTTY() bool { return s.errTTY }

// CanPrompt reports whether a command may ask the user something: both stdin
// and stdout must be terminals.
func (s *IOStreams) CanPrompt() bool { return s.inTTY && s.outTTY && !s.neverPrompt }

// TerminalWidth is the width of the terminal, or 80 when it is unknown.
func (s *IOStreams) TerminalWidth() int {
	if s.width != nil {
		if w := s.width(); w > 0 {
			return w
		}
	}
	return 80
}

// ColorScheme colours text written to Out.
func (s *IOStreams) ColorScheme() *ColorScheme { return &ColorScheme{enabled: s.colorOut} }

// ErrColorScheme colours text written to ErrOut.
func (s *IOStreams) ErrColorScheme() *ColorScheme { return &ColorScheme{enabled: s.colorErr} }

// ReadSecret reads one line from In without echoing it when In is a
// terminal, for tokens typed at a prompt.
func (s *IOStreams) ReadSecret() (string, error) {
	if f, ok := s.In.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(s.ErrOut) // the user's Enter was not echoed either
		return strings.TrimSpace(string(b)), err
	}
	line, err := bufio.NewReader(s.In).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimSpace(line), nil
}
