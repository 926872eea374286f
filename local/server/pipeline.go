package server

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/local/ingest"
	"github.com/snag-dev/snag/local/store"
	"github.com/snag-dev/snag/sourcemaps"
)

// Relay's clock-skew bounds for event timestamps.
const (
	maxFuture = time.Minute
	maxPast   = 30 * 24 * time.Hour
)

// accept runs the pipeline for one authorized envelope and answers.
func (s *Server) accept(w http.ResponseWriter, r *http.Request, project int64, env *ingest.Envelope) {
	now := s.cfg.Now()
	var eventItem *ingest.Item
	var atts []store.Attachment
	var feedback []*ingest.Item
	for i := range env.Items {
		it := &env.Items[i]
		switch ingest.Classify(it.Header.Type) {
		case ingest.KindEvent:
			if eventItem == nil {
				eventItem = it
			}
		case ingest.KindAttachment:
			atts = append(atts, store.Attachment{Name: it.Header.Filename, ContentType: it.Header.ContentType, AttachmentType: it.Header.AttachmentType, Data: it.Payload})
		case ingest.KindUserReport, ingest.KindFeedback:
			feedback = append(feedback, it)
		}
	}
	if eventItem == nil && len(feedback) == 0 {
		// Sessions, transactions, client reports, logs and attachments
		// without their event: accepted and dropped.
		writeID(w, ingest.NormalizeEventID(env.Header.EventID))
		return
	}
	if ok, wait := s.limiter.take(project, 1); !ok {
		limit := ingest.RateLimit{RetryAfter: wait, Scope: "project", ReasonCode: "rate_limited"}
		for k, v := range ingest.RateLimitHeaders([]ingest.RateLimit{limit}) {
			w.Header().Set(k, v)
		}
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"detail": "event submission rejected with reason: rate limited", "causes": []string{}})
		return
	}
	for _, it := range feedback {
		if err := s.addFeedback(r, project, env, it, now); err != nil {
			s.fail(w, err)
			return
		}
	}
	if eventItem == nil {
		writeID(w, ingest.NormalizeEventID(env.Header.EventID))
		return
	}

	ne, err := ingest.Normalize(eventItem.Payload, ingest.NormalizeOptions{
		EventID: env.Header.EventID, ReceivedAt: now, MaxFuture: maxFuture, MaxPast: maxPast, ClientIP: clientIP(r),
	})
	if err != nil {
		s.fail(w, err)
		return
	}
	// The store copies what it keeps before Accept returns.
	defer ne.Release()
	ev := ne.Event
	if ev.Type == "transaction" {
		writeID(w, ev.EventID)
		return
	}
	if u := s.unminifierFor(r.Context(), project, ev); u != nil && UnminifyEvent(u, ev) {
		// Frames changed: so do the culprit and metadata, and the stored JSON.
		applyDerived(ev, ingest.Derive(ev))
		if b, err := json.Marshal(ev); err == nil {
			ne.JSON = b
		}
	}
	// Attachments alias the request body, which is recycled after the
	// answer; the store gets its own copies.
	for i := range atts {
		atts[i].Data = append([]byte(nil), atts[i].Data...)
	}
	rec := store.NewEventRecord(project, now, ev, ne.UserKey, ne.JSON, s.cfg.Group(ev))
	rec.Attachments = atts
	if err := s.store.Accept(r.Context(), rec); err != nil {
		s.fail(w, err)
		return
	}
	writeID(w, ev.EventID)
}

// addFeedback stores a user_report item ({event_id, name, email,
// comments}) or a feedback item (an event whose contexts.feedback holds the
// message), linked to the event it is about.
func (s *Server) addFeedback(r *http.Request, project int64, env *ingest.Envelope, it *ingest.Item, now time.Time) error {
	var f store.Feedback
	if it.Header.Type == "user_report" {
		var v struct {
			EventID  string `json:"event_id"`
			Name     string `json:"name"`
			Email    string `json:"email"`
			Comments string `json:"comments"`
		}
		if err := json.Unmarshal(it.Payload, &v); err != nil {
			return nil // a malformed report is dropped, as Relay does
		}
		f = store.Feedback{EventID: v.EventID, Name: v.Name, Email: v.Email, Comments: v.Comments}
	} else {
		var v struct {
			Contexts struct {
				Feedback struct {
					Message           string `json:"message"`
					ContactEmail      string `json:"contact_email"`
					Name              string `json:"name"`
					AssociatedEventID string `json:"associated_event_id"`
				} `json:"feedback"`
			} `json:"contexts"`
		}
		if err := json.Unmarshal(it.Payload, &v); err != nil {
			return nil
		}
		fb := v.Contexts.Feedback
		f = store.Feedback{EventID: fb.AssociatedEventID, Name: fb.Name, Email: fb.ContactEmail, Comments: fb.Message}
	}
	if f.EventID == "" {
		f.EventID = env.Header.EventID
	}
	f.ProjectID, f.Created = project, now
	if f.EventID != "" {
		f.EventID = ingest.NormalizeEventID(f.EventID)
	}
	_, err := s.store.AddFeedback(r.Context(), f)
	return err
}

// writeID answers 200 with {"id": id}, or {} without an id, as Relay does.
// It is every accepted event's answer, so it skips the JSON encoder for ids
// that need no escaping, which every normalized one (32 hex digits) is.
func writeID(w http.ResponseWriter, id string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if id == "" {
		_, _ = io.WriteString(w, "{}\n")
		return
	}
	if strings.ContainsFunc(id, func(r rune) bool { return r < ' ' || r == '"' || r == '\\' || r > '~' }) {
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
		return
	}
	b := make([]byte, 0, len(id)+10)
	b = append(b, `{"id":"`...)
	b = append(b, id...)
	b = append(b, "\"}\n"...)
	_, _ = w.Write(b)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func applyDerived(ev *api.Event, d ingest.Derived) {
	ev.Type, ev.Title, ev.Culprit = d.Type, d.Title, d.Culprit
	md := d.Metadata
	ev.Metadata = &md
}

// UnminifyEvent maps the JavaScript frames of every exception and thread of
// ev in place, keeping the minified frames in raw_stacktrace as Sentry does.
// It reports whether any frame changed.
func UnminifyEvent(u *sourcemaps.Unminifier, ev *api.Event) bool {
	if !isJavaScript(ev.Platform) {
		return false
	}
	debugIDs := ev.DebugMeta.SourcemapDebugIDs()
	changed := false
	mapStack := func(st **api.Stacktrace, raw **api.Stacktrace) {
		if *st == nil || len((*st).Frames) == 0 || *raw != nil {
			return
		}
		frames := (*st).Frames
		refs := make([]sourcemaps.FrameRef, len(frames))
		for i, f := range frames {
			url := orDefault(f.AbsPath, f.Filename)
			refs[len(frames)-1-i] = sourcemaps.FrameRef{URL: url, Function: f.Function, Line: f.Lineno, Column: f.Colno, DebugID: debugIDs[url]}
		}
		mapped := u.Unminify(refs)
		out := make([]api.Frame, len(frames))
		hit := false
		for i, f := range frames {
			m := mapped[len(frames)-1-i]
			out[i] = f
			if !m.Mapped {
				continue
			}
			hit = true
			inApp := m.InApp
			nf := &out[i]
			nf.Function, nf.Filename, nf.AbsPath = m.Function, m.Filename, m.AbsPath
			nf.Lineno, nf.Colno, nf.InApp = m.Line, m.Column, &inApp
			nf.ContextLine, nf.PreContext, nf.PostContext = m.ContextLine, m.PreContext, m.PostContext
			nf.Data = frameData(f.Data, m.Map)
		}
		if !hit {
			return
		}
		orig := **st
		*raw = &orig
		mappedStack := orig
		mappedStack.Frames = out
		*st = &mappedStack
		changed = true
	}
	if ev.Exception != nil {
		for i := range ev.Exception.Values {
			ex := &ev.Exception.Values[i]
			mapStack(&ex.Stacktrace, &ex.RawStacktrace)
		}
	}
	if ev.Threads != nil {
		for i := range ev.Threads.Values {
			th := &ev.Threads.Values[i]
			mapStack(&th.Stacktrace, &th.RawStacktrace)
		}
	}
	return changed
}

// frameData sets data.sourcemap, which Sentry uses to mark mapped frames.
func frameData(data json.RawMessage, sourcemap string) json.RawMessage {
	m := map[string]json.RawMessage{}
	_ = json.Unmarshal(data, &m)
	b, _ := json.Marshal(sourcemap)
	m["sourcemap"] = b
	out, _ := json.Marshal(m)
	return out
}

func isJavaScript(platform string) bool {
	switch platform {
	case "javascript", "node", "":
		return true
	}
	return false
}
