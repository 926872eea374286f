package ingest

// MiB and KiB are binary units, as Relay counts them.
const (
	KiB = 1 << 10
	MiB = 1 << 20
)

// Limits caps what one request may carry. All sizes are decompressed bytes.
// Zero means "no limit" for a size and "no limit" for a count.
type Limits struct {
	Envelope        int64 // whole envelope body (route limit of /envelope/)
	Event           int64 // event, transaction, feedback item; body limit of /store/
	Attachment      int64 // each attachment
	Attachments     int64 // all attachments of one envelope
	AttachmentCount int   // attachments per envelope
	Session         int64 // each session item; sessions items together
	SessionCount    int
	ClientReport    int64
	CheckIn         int64
	Profile         int64
	Log             int64
	Span            int64
	Replay          int64 // replay_event / replay_recording / replay_video
	Metric          int64 // statsd, metric_buckets, trace_metric
	UserReport      int64
	Other           int64 // unknown item types
}

// DefaultLimits are Relay's defaults (protocol.md §1.10), except the
// envelope limit, which follows the older documented 100 MiB.
func DefaultLimits() Limits {
	return Limits{
		Envelope:        100 * MiB,
		Event:           1 * MiB,
		Attachment:      100 * MiB,
		Attachments:     100 * MiB,
		AttachmentCount: 30,
		Session:         10 * MiB,
		SessionCount:    100,
		ClientReport:    100 * KiB,
		CheckIn:         100 * KiB,
		Profile:         50 * MiB,
		Log:             2 * MiB,
		Span:            10 * MiB,
		Replay:          100 * MiB,
		Metric:          1 * MiB,
		UserReport:      1 * MiB,
		Other:           1 * MiB,
	}
}

// ItemLimit is the size limit for one item of the given type.
func (l Limits) ItemLimit(itemType string) int64 {
	switch itemType {
	case "event", "transaction", "feedback", "security", "raw_security", "nel", "form_data":
		return l.Event
	case "attachment", "unreal_report":
		return l.Attachment
	case "session", "sessions":
		return l.Session
	case "client_report":
		return l.ClientReport
	case "check_in":
		return l.CheckIn
	case "profile", "profile_chunk", "profile_chunk_ui":
		return l.Profile
	case "log", "otel_log":
		return l.Log
	case "span", "otel_span":
		return l.Span
	case "replay_event", "replay_recording", "replay_video":
		return l.Replay
	case "statsd", "metric_buckets", "metric_meta", "trace_metric":
		return l.Metric
	case "user_report":
		return l.UserReport
	}
	return l.Other
}
