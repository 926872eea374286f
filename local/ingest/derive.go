package ingest

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/snag-dev/snag/api"
)

// Derived is what Sentry computes from an event for the issue list.
type Derived struct {
	Type     string // "error", "default" or "transaction"
	Title    string
	Culprit  string
	Metadata api.EventMetadata
}

// Lengths Sentry cuts derived values to.
const (
	maxTitleValueChars = 100
	maxCulpritChars    = 200
	maxMetaTypeChars   = 128
	maxMetaValueChars  = 1024
)

// Derive computes type, title, culprit and metadata the way Sentry does
// (eventtypes/error.py, eventtypes/base.py, culprit.py). Call it again after
// changing frames (unminifying), since the crash frame's filename and
// function feed the metadata and culprit.
func Derive(ev *api.Event) Derived {
	var d Derived
	switch {
	case ev.Type == "transaction":
		d.Type = "transaction"
		d.Title = ev.Transaction
		d.Culprit = ev.Transaction
		return d
	case len(ev.Exceptions()) > 0:
		d.Type = "error"
	default:
		d.Type = "default"
	}
	if d.Type == "error" {
		d.Metadata = errorMetadata(ev)
		d.Title = errorTitle(d.Metadata)
	} else {
		msg := strings.TrimSpace(ev.Message())
		if msg != "" {
			d.Metadata.Title = truncateChars(firstLine(msg), maxTitleValueChars, "...")
		} else {
			d.Metadata.Title = "<unlabeled event>"
		}
		d.Title = d.Metadata.Title
	}
	d.Culprit = ev.Transaction
	if d.Culprit == "" {
		d.Culprit = generateCulprit(ev)
	}
	d.Culprit = truncateChars(d.Culprit, maxCulpritChars, "...")
	// The stored JSON writes each invalid byte as U+FFFD; the derived
	// strings must read the same, or normalizing twice disagrees.
	d.Title, d.Culprit = validUTF8(d.Title), validUTF8(d.Culprit)
	return d
}

func applyDerived(ev *api.Event) {
	d := Derive(ev)
	md := d.Metadata
	ev.Type, ev.Title, ev.Culprit, ev.Metadata = d.Type, d.Title, d.Culprit, &md
}

// mainException is the exception the title describes: the one whose
// mechanism.exception_id is the event's main_exception_id, else the last.
func mainException(ev *api.Event) *api.Exception {
	exc := ev.Exceptions()
	if len(exc) == 0 {
		return nil
	}
	if raw, ok := ev.Other["main_exception_id"]; ok {
		for i := range exc {
			if m := exc[i].Mechanism; m != nil && m.ExceptionID != nil && strings.TrimSpace(string(raw)) == strconv.Itoa(*m.ExceptionID) {
				return &exc[i]
			}
		}
	}
	return &exc[len(exc)-1]
}

func errorMetadata(ev *api.Event) api.EventMetadata {
	var md api.EventMetadata
	exc := mainException(ev)
	value := truncateChars(exc.Value, maxMetaValueChars, "...")
	md.Value = &value
	if exc.Mechanism == nil || !exc.Mechanism.Synthetic {
		ty := exc.Type
		if ty == "" {
			ty = "Error"
		}
		md.Type = truncateChars(ty, maxMetaTypeChars, "...")
	}
	if f := crashFrame(ev); f != nil {
		md.Filename = f.Filename
		if md.Filename == "" {
			md.Filename = f.AbsPath
		}
		md.Function = functionName(f)
	}
	no := false
	md.DisplayTitleWithTreeLabel = &no
	return md
}

func errorTitle(md api.EventMetadata) string {
	title := md.Type
	if title != "" && md.Value != nil && *md.Value != "" {
		title += ": " + truncateChars(firstLine(*md.Value), maxTitleValueChars, "...")
	}
	if title == "" {
		title = md.Function
	}
	if title == "" {
		title = "<unknown>"
	}
	return title
}

// crashFrame is the frame closest to the crash: the last in-app frame with
// a real function name, else the last frame with one.
func crashFrame(ev *api.Event) *api.Frame {
	var frames []api.Frame
	if exc := ev.Exceptions(); len(exc) > 0 && exc[len(exc)-1].Stacktrace != nil {
		frames = exc[len(exc)-1].Stacktrace.Frames
	}
	if len(frames) == 0 && ev.Stacktrace != nil {
		frames = ev.Stacktrace.Frames
	}
	if len(frames) == 0 && ev.Threads != nil && len(ev.Threads.Values) == 1 && ev.Threads.Values[0].Stacktrace != nil {
		frames = ev.Threads.Values[0].Stacktrace.Frames
	}
	var fallback *api.Frame
	for i := len(frames) - 1; i >= 0; i-- {
		f := &frames[i]
		switch f.Function {
		case "", "<redacted>", "<unknown>":
			continue
		}
		if f.InApp != nil && *f.InApp {
			return f
		}
		if fallback == nil {
			fallback = f
		}
	}
	return fallback
}

// functionName is Sentry's get_function_name_for_frame for the platforms
// snag sees: the function as sent (native/C# name trimming is not done).
func functionName(f *api.Frame) string {
	return f.Function
}

// generateCulprit is Sentry's legacy culprit: from the stack of the last
// exception that has frames (or the event stacktrace), else request.url.
func generateCulprit(ev *api.Event) string {
	var st *api.Stacktrace
	if exc := ev.Exceptions(); len(exc) > 0 {
		if m := exc[len(exc)-1].Mechanism; m != nil && m.Synthetic {
			return ""
		}
		for i := len(exc) - 1; i >= 0; i-- {
			if s := exc[i].Stacktrace; s != nil && len(s.Frames) > 0 {
				st = s
				break
			}
		}
	} else if ev.Stacktrace != nil && len(ev.Stacktrace.Frames) > 0 {
		st = ev.Stacktrace
	}
	culprit := ""
	if st != nil {
		culprit = stacktraceCulprit(st.Frames, ev.Platform)
	}
	if culprit == "" && ev.Request != nil {
		culprit = ev.Request.URL
	}
	return culprit
}

func stacktraceCulprit(frames []api.Frame, platform string) string {
	var fallback *string
	for i := len(frames) - 1; i >= 0; i-- {
		f := &frames[i]
		if f.InApp != nil && *f.InApp {
			if c := frameCulprit(f, platform); c != "" {
				return c
			}
		} else if fallback == nil {
			c := frameCulprit(f, platform)
			fallback = &c
		}
	}
	if fallback != nil {
		return *fallback
	}
	return ""
}

func frameCulprit(f *api.Frame, platform string) string {
	if f.Platform != "" {
		platform = f.Platform
	}
	fn := f.Function
	if fn == "" {
		fn = "?"
	}
	switch platform {
	case "objc", "cocoa", "native":
		return fn
	}
	loc := f.Module
	if loc == "" {
		loc = f.Filename
	}
	if loc == "" {
		return ""
	}
	if platform == "javascript" || platform == "node" {
		return fn + "(" + loc + ")"
	}
	return loc + " in " + fn
}

// firstLine is Python's s.splitlines()[0].
func firstLine(s string) string {
	for i, r := range s {
		switch r {
		case '\n', '\r', '\v', '\f', '\x1c', '\x1d', '\x1e', '\u0085', '\u2028', '\u2029':
			return s[:i]
		}
	}
	return s
}

// UserKey identifies an event's user for distinct-user counts the way
// Sentry's EventUser.tag_value does: "id:…", else "username:…", else
// "email:…", else "ip:…"; "" when there is none.
func UserKey(u *api.EventUser) string {
	switch {
	case u == nil:
		return ""
	case u.ID != "":
		return "id:" + u.ID
	case u.Username != "":
		return "username:" + u.Username
	case u.Email != "":
		return "email:" + u.Email
	case u.IPAddress != "":
		return "ip:" + u.IPAddress
	}
	return ""
}

// validUTF8 replaces each invalid byte with U+FFFD, as the JSON writer does.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
