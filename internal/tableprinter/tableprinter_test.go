package tableprinter

import (
	"bytes"
	"testing"
)

func fill(p *Printer) {
	p.AddHeader("id", "title", "count")
	p.AddField("1")
	p.AddField("TypeError: cannot read properties of undefined", WithTruncate())
	p.AddField("12")
	p.EndRow()
	p.AddField("22")
	p.AddField("tab\there")
	p.AddField("3", WithColor(func(s string) string { return "<" + s + ">" }))
	p.EndRow()
}

func TestRender(t *testing.T) {
	tests := []struct {
		name  string
		tty   bool
		width int
		want  string
	}{
		{"piped is TSV without header or colour", false, 0,
			"1\tTypeError: cannot read properties of undefined\t12\n22\ttab here\t3\n"},
		{"terminal aligns with header", true, 200,
			"ID  TITLE                                           COUNT\n" +
				"1   TypeError: cannot read properties of undefined  12\n" +
				"22  tab here                                        <3>\n"},
		{"terminal truncates the marked column", true, 30,
			"ID  TITLE                COUNT\n" +
				"1   TypeError: cannot …  12\n" +
				"22  tab here             <3>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			p := New(&out, tt.tty, tt.width)
			fill(p)
			if err := p.Render(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Fatalf("got\n%q\nwant\n%q", out.String(), tt.want)
			}
		})
	}
}
