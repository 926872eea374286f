package ingest

// Kind says what the server does with an envelope item.
type Kind int

const (
	// KindDrop: answered 200 and dropped (transactions, sessions, client
	// reports, logs, spans, replays, profiles, check-ins, metrics, and any
	// unknown type).
	KindDrop Kind = iota
	// KindEvent: an error or message event: normalize, group, store.
	KindEvent
	// KindAttachment: raw bytes stored with the envelope's event_id.
	KindAttachment
	// KindUserReport: the legacy {"event_id","name","email","comments"}
	// report, linked to the event it names.
	KindUserReport
	// KindFeedback: a user-feedback event (contexts.feedback), stored and
	// linked to contexts.feedback.associated_event_id when set.
	KindFeedback
)

func (k Kind) String() string {
	return [...]string{"drop", "event", "attachment", "user_report", "feedback"}[k]
}

// Classify maps an item type to what the server does with it. An "event"
// item whose payload turns out to be a transaction (Normalize reports Type
// "transaction") is dropped too.
func Classify(itemType string) Kind {
	switch itemType {
	case "event":
		return KindEvent
	case "attachment":
		return KindAttachment
	case "user_report":
		return KindUserReport
	case "feedback":
		return KindFeedback
	}
	return KindDrop
}

// Rate-limit data categories (protocol.md §2).
const (
	CategoryDefault        = "default"
	CategoryError          = "error"
	CategoryTransaction    = "transaction"
	CategorySecurity       = "security"
	CategoryAttachment     = "attachment"
	CategoryAttachmentItem = "attachment_item"
	CategorySession        = "session"
	CategoryProfile        = "profile"
	CategoryProfileChunk   = "profile_chunk"
	CategoryReplay         = "replay"
	CategoryMonitor        = "monitor"
	CategorySpan           = "span"
	CategoryFeedback       = "feedback"
	CategoryLogItem        = "log_item"
	CategoryLogByte        = "log_byte"
	CategoryTraceMetric    = "trace_metric"
	CategoryMetricBucket   = "metric_bucket"
)

// Categories returns the rate-limit data categories an item counts
// against (nil for client reports, which are never limited).
func Categories(itemType string) []string {
	switch itemType {
	case "event":
		return []string{CategoryError}
	case "transaction":
		return []string{CategoryTransaction}
	case "security", "raw_security", "nel":
		return []string{CategorySecurity}
	case "attachment":
		return []string{CategoryAttachment, CategoryAttachmentItem}
	case "session", "sessions":
		return []string{CategorySession}
	case "check_in":
		return []string{CategoryMonitor}
	case "span", "otel_span":
		return []string{CategorySpan}
	case "log", "otel_log":
		return []string{CategoryLogByte, CategoryLogItem}
	case "user_report", "feedback":
		return []string{CategoryFeedback}
	case "profile":
		return []string{CategoryProfile}
	case "profile_chunk", "profile_chunk_ui":
		return []string{CategoryProfileChunk}
	case "replay_event", "replay_recording", "replay_video":
		return []string{CategoryReplay}
	case "trace_metric":
		return []string{CategoryTraceMetric}
	case "statsd", "metric_buckets":
		return []string{CategoryMetricBucket}
	case "client_report":
		return nil
	}
	return []string{CategoryDefault}
}
