// Package tableprinter prints rows two ways: aligned columns with a header on
// a terminal, truncated to its width; tab-separated values without a header
// when piped, so `cut -f` and `awk -F'\t'` work on snag's output.
package tableprinter

import (
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Printer collects rows and writes them on Render.
type Printer struct {
	out      io.Writer
	isTTY    bool
	maxWidth int
	header   []string
	rows     [][]field
	cur      []field
}

type field struct {
	text     string
	color    func(string) string
	truncate bool
}

// FieldOption changes how one field prints on a terminal.
type FieldOption func(*field)

// WithColor styles the field on a terminal (after padding, so alignment holds).
func WithColor(fn func(string) string) FieldOption { return func(f *field) { f.color = fn } }

// WithTruncate marks the field as the one to shorten when a row is too wide.
func WithTruncate() FieldOption { return func(f *field) { f.truncate = true } }

var controlChars = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")

// New returns a printer for out. maxWidth is the terminal width (ignored when
// not a terminal).
func New(out io.Writer, isTTY bool, maxWidth int) *Printer {
	return &Printer{out: out, isTTY: isTTY, maxWidth: maxWidth}
}

// AddHeader sets the column titles; they print only on a terminal.
func (p *Printer) AddHeader(cols ...string) { p.header = cols }

// AddField appends a field to the current row.
func (p *Printer) AddField(s string, opts ...FieldOption) {
	// A tab or newline inside a field would break the columns either way.
	f := field{text: controlChars.Replace(s)}
	for _, o := range opts {
		o(&f)
	}
	p.cur = append(p.cur, f)
}

// EndRow finishes the current row.
func (p *Printer) EndRow() {
	p.rows = append(p.rows, p.cur)
	p.cur = nil
}

// Render writes every row.
func (p *Printer) Render() error {
	if len(p.cur) > 0 {
		p.EndRow()
	}
	if !p.isTTY {
		return p.renderTSV()
	}
	return p.renderAligned()
}

func (p *Printer) renderTSV() error {
	var b strings.Builder
	for _, row := range p.rows {
		for i, f := range row {
			if i > 0 {
				b.WriteByte('\t')
			}
			b.WriteString(f.text)
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(p.out, b.String())
	return err
}

const gap = 2

func (p *Printer) renderAligned() error {
	rows := p.rows
	if len(p.header) > 0 {
		h := make([]field, len(p.header))
		for i, c := range p.header {
			h[i] = field{text: strings.ToUpper(c)}
		}
		rows = append([][]field{h}, rows...)
	}
	ncols := 0
	for _, r := range rows {
		ncols = max(ncols, len(r))
	}
	widths := make([]int, ncols)
	for _, r := range rows {
		for i, f := range r {
			widths[i] = max(widths[i], ansi.StringWidth(f.text))
		}
	}
	p.fit(widths)

	var b strings.Builder
	for _, r := range rows {
		for i, f := range r {
			text := f.text
			if ansi.StringWidth(text) > widths[i] {
				text = ansi.Truncate(text, widths[i], "…")
			}
			last := i == len(r)-1
			pad := ""
			if !last {
				pad = strings.Repeat(" ", widths[i]-ansi.StringWidth(text)+gap)
			}
			if f.color != nil {
				text = f.color(text)
			}
			b.WriteString(text)
			b.WriteString(pad)
		}
		b.WriteByte('\n')
	}
	_, err := fmt.Fprint(p.out, b.String())
	return err
}

// fit shrinks the truncatable columns (or, with none marked, the widest one)
// until the table fits the terminal.
func (p *Printer) fit(widths []int) {
	if p.maxWidth <= 0 || len(widths) == 0 {
		return
	}
	total := gap * (len(widths) - 1)
	for _, w := range widths {
		total += w
	}
	excess := total - p.maxWidth
	if excess <= 0 {
		return
	}
	var cols []int
	for _, r := range p.rows {
		for i, f := range r {
			if f.truncate && !contains(cols, i) {
				cols = append(cols, i)
			}
		}
	}
	if len(cols) == 0 {
		widest := 0
		for i, w := range widths {
			if w > widths[widest] {
				widest = i
			}
		}
		cols = []int{widest}
	}
	const minWidth = 8
	for _, c := range cols {
		cut := min(excess, widths[c]-minWidth)
		if cut > 0 {
			widths[c] -= cut
			excess -= cut
		}
		if excess <= 0 {
			return
		}
	}
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
