package sourcemaps

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestProgress(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, true, 80)
	clock := time.Unix(0, 0)
	p.now = func() time.Time { return clock }
	p.Stage("Uploading")
	p.Bytes(0, 4<<20)
	p.Bytes(1<<20, 4<<20) // within 100 ms of the last draw: skipped
	clock = clock.Add(time.Second)
	p.Bytes(2<<20, 4<<20)
	p.Bytes(4<<20, 4<<20) // the end is always drawn
	p.Done()
	out := buf.String()
	for _, want := range []string{"Uploading…", "  0% 0 B/4.2 MB", "[====================                    ]  50% 2.1 MB/4.2 MB", "100% 4.2 MB/4.2 MB"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%q", want, out)
		}
	}
	if strings.Contains(out, " 25% ") {
		t.Errorf("drew more than 10 times a second:\n%q", out)
	}
	if !strings.HasSuffix(out, "\r\x1b[K") {
		t.Errorf("the line is not erased at the end: %q", out)
	}
	for _, line := range strings.Split(out, "\r\x1b[K") {
		if len(line) >= 80 {
			t.Errorf("line wider than the terminal: %q", line)
		}
	}

	buf.Reset()
	off := newProgress(&buf, false, 80)
	off.Stage("x")
	off.Bytes(1, 2)
	off.Done()
	if buf.Len() != 0 {
		t.Errorf("off a terminal it drew %q", buf.String())
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 KB", 34_424_016: "34 MB", 9_500_000_000: "9.5 GB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
