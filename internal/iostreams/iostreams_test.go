package iostreams

import "testing"

func TestColorEnabled(t *testing.T) {
	tests := []struct {
		name string
		tty  bool
		env  map[string]string
		want bool
	}{
		{"terminal", true, nil, true},
		{"piped", false, nil, false},
		{"NO_COLOR on a terminal", true, map[string]string{"NO_COLOR": "1"}, false},
		{"NO_COLOR beats CLICOLOR_FORCE", false, map[string]string{"NO_COLOR": "1", "CLICOLOR_FORCE": "1"}, false},
		{"CLICOLOR_FORCE when piped", false, map[string]string{"CLICOLOR_FORCE": "1"}, true},
		{"CLICOLOR_FORCE=0 is off", false, map[string]string{"CLICOLOR_FORCE": "0"}, false},
		{"CLICOLOR=0 on a terminal", true, map[string]string{"CLICOLOR": "0"}, false},
		{"TERM=dumb", true, map[string]string{"TERM": "dumb"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ColorEnabled(tt.tty, func(k string) string { return tt.env[k] })
			if got != tt.want {
				t.Fatalf("ColorEnabled = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestColorScheme(t *testing.T) {
	on := (&ColorScheme{enabled: true}).Red("x")
	if on != "\x1b[31mx\x1b[0m" {
		t.Fatalf("enabled Red = %q", on)
	}
	if off := (&ColorScheme{}).Red("x"); off != "x" {
		t.Fatalf("disabled Red = %q", off)
	}
}

func TestCanPrompt(t *testing.T) {
	s, _, _, _ := Test()
	if s.CanPrompt() {
		t.Fatal("test streams must not prompt")
	}
	s.SetStdinTTY(true)
	s.SetStdoutTTY(true)
	if !s.CanPrompt() {
		t.Fatal("terminal streams should prompt")
	}
	s.SetNeverPrompt(true)
	if s.CanPrompt() {
		t.Fatal("SetNeverPrompt ignored")
	}
	if w := s.TerminalWidth(); w != 80 {
		t.Fatalf("default width = %d", w)
	}
}
