package store

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
)

// normalizeEventID accepts 32 hex digits, with or without the dashes of a
// UUID and in either case, and returns 32 lower-case hex digits.
func normalizeEventID(id string) (string, error) {
	if len(id) == 32 {
		ok := true
		for i := 0; i < 32; i++ {
			c := id[i]
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				ok = false
				break
			}
		}
		if ok {
			return id, nil
		}
	}
	var b strings.Builder
	b.Grow(32)
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
			b.WriteByte(c)
		case c >= 'A' && c <= 'F':
			b.WriteByte(c + 'a' - 'A')
		case c == '-':
		default:
			return "", fmt.Errorf("%w: event id %q is not 32 hex digits", ErrInvalid, id)
		}
	}
	if b.Len() != 32 {
		return "", fmt.Errorf("%w: event id %q is not 32 hex digits", ErrInvalid, id)
	}
	return b.String(), nil
}

// userHash is the 64-bit key kept per (issue, user) for distinct-user counts.
func userHash(key string) int64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return int64(h.Sum64())
}

// encodeTags writes tags as a JSON array of [key, value] pairs.
func encodeTags(tags [][2]string) string {
	if len(tags) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(tags)
	return string(b)
}

func decodeTags(s string) [][2]string {
	var t [][2]string
	if s != "" && s != "[]" {
		_ = json.Unmarshal([]byte(s), &t)
	}
	return t
}

func encodeStrings(v []string) string {
	if len(v) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func decodeStrings(s string) []string {
	var v []string
	if s != "" && s != "[]" {
		_ = json.Unmarshal([]byte(s), &v)
	}
	return v
}

// jsonObject returns raw if it is a JSON object, else "{}".
func jsonObject(raw json.RawMessage) string {
	t := strings.TrimSpace(string(raw))
	if len(t) >= 2 && t[0] == '{' && json.Valid([]byte(t)) {
		return t
	}
	return "{}"
}
