package sourcemaps

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress draws one status line on a terminal's stderr: a stage ("Reading
// 200 files"), and for byte counts a bar, a percentage and sizes. It redraws
// in place at most ten times a second and erases itself when done; off a
// terminal it draws nothing.
type progress struct {
	w       io.Writer
	enabled bool
	width   int
	now     func() time.Time

	mu    sync.Mutex
	stage string
	last  time.Time
	drawn bool
}

func newProgress(w io.Writer, enabled bool, width int) *progress {
	return &progress{w: w, enabled: enabled, width: width, now: time.Now}
}

// Stage shows a label with no bar.
func (p *progress) Stage(label string) {
	if !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stage = label
	p.draw(label + "…")
}

// Bytes shows the stage with a bar for done of total bytes.
func (p *progress) Bytes(done, total int64) {
	if !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := p.now(); done < total && t.Sub(p.last) < 100*time.Millisecond {
		return
	} else {
		p.last = t
	}
	frac := 1.0
	if total > 0 {
		frac = min(max(float64(done)/float64(total), 0), 1)
	}
	tail := fmt.Sprintf(" %3.0f%% %s/%s", 100*frac, humanBytes(done), humanBytes(total))
	barWidth := min(40, p.width-len(p.stage)-len(tail)-4)
	if barWidth < 10 {
		p.draw(p.stage + tail)
		return
	}
	n := int(frac * float64(barWidth))
	p.draw(p.stage + " [" + strings.Repeat("=", n) + strings.Repeat(" ", barWidth-n) + "]" + tail)
}

// Done erases the line.
func (p *progress) Done() {
	if !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

func (p *progress) draw(line string) {
	if p.width > 0 && len(line) > p.width-1 {
		line = line[:p.width-1]
	}
	fmt.Fprint(p.w, "\r\x1b[K"+line)
	p.drawn = true
}

// humanBytes is a size as people read it: 812 B, 3.4 KB, 31.2 MB.
func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f := float64(n)
	for _, u := range []string{"KB", "MB", "GB"} {
		f /= unit
		if f < unit {
			if f < 10 {
				return fmt.Sprintf("%.1f %s", f, u)
			}
			return fmt.Sprintf("%.0f %s", f, u)
		}
	}
	return fmt.Sprintf("%.1f TB", f/unit)
}
