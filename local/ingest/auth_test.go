package ingest

import (
	"errors"
	"net/http"
	"testing"
)

const key = "0123456789abcdef0123456789abcdef"

func TestParseAuth(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]string
		query   string
		pathKey string
		want    Auth
		kind    error
		status  int
	}{
		{name: "none", want: Auth{Version: 7}},
		{name: "x-sentry-auth", headers: map[string]string{"X-Sentry-Auth": "Sentry sentry_version=7, sentry_client=sentry.go/0.50.0, sentry_key=" + key},
			want: Auth{PublicKey: key, Version: 7, Client: "sentry.go/0.50.0", Carrier: CarrierXSentryAuth}},
		{name: "prefix any case, version 7.1, timestamp ignored", headers: map[string]string{"X-Sentry-Auth": "SENTRY sentry_key=" + key + ",sentry_version=7.1,sentry_timestamp=1.5,foo=bar"},
			want: Auth{PublicKey: key, Version: 7, Carrier: CarrierXSentryAuth}},
		{name: "authorization", headers: map[string]string{"Authorization": "Sentry sentry_key=" + key + ", sentry_secret=s"},
			want: Auth{PublicKey: key, SecretKey: "s", Version: 7, Carrier: CarrierAuthorization}},
		{name: "bearer authorization is not a carrier", headers: map[string]string{"Authorization": "Bearer abc"}, want: Auth{Version: 7}},
		{name: "query", query: "sentry_version=7&sentry_key=" + key + "&sentry_client=sentry.javascript.browser%2F11.12.0",
			want: Auth{PublicKey: key, Version: 7, Client: "sentry.javascript.browser/11.12.0", Carrier: CarrierQuery}},
		{name: "user agent when no sentry_client", headers: map[string]string{"User-Agent": "sentry.python/2.0", "X-Sentry-Auth": "Sentry sentry_key=" + key},
			want: Auth{PublicKey: key, Version: 7, Client: "sentry.python/2.0", Carrier: CarrierXSentryAuth}},
		{name: "path key", pathKey: key, want: Auth{PublicKey: key, Version: 7, Carrier: CarrierPath}},
		{name: "key with flag", query: "sentry_key=" + key + ".no-cache", want: Auth{PublicKey: key + ".no-cache", Version: 7, Carrier: CarrierQuery}},
		{name: "header and query", headers: map[string]string{"X-Sentry-Auth": "Sentry sentry_key=" + key}, query: "sentry_key=" + key,
			kind: ErrMultipleAuth, status: 401},
		{name: "both headers", headers: map[string]string{"X-Sentry-Auth": "Sentry sentry_key=" + key, "Authorization": "Sentry sentry_key=" + key},
			kind: ErrMultipleAuth, status: 401},
		{name: "query and path", query: "sentry_key=" + key, pathKey: key, kind: ErrMultipleAuth, status: 401},
		{name: "header without key", headers: map[string]string{"X-Sentry-Auth": "Sentry sentry_version=7"}, kind: ErrBadAuth, status: 401},
		{name: "query without key", query: "sentry_version=7", kind: ErrBadAuth, status: 401},
		{name: "bad version", headers: map[string]string{"X-Sentry-Auth": "Sentry sentry_key=" + key + ", sentry_version=x"}, kind: ErrBadAuth, status: 401},
		{name: "short key", query: "sentry_key=abc", kind: ErrBadKey, status: 400},
		{name: "unrelated query", query: "foo=bar", want: Auth{Version: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.headers {
				h.Set(k, v)
			}
			got, err := ParseAuth(h, tt.query, tt.pathKey)
			if tt.kind != nil {
				if !errors.Is(err, tt.kind) || StatusOf(err) != tt.status {
					t.Fatalf("err = %v (status %d), want %v (%d)", err, StatusOf(err), tt.kind, tt.status)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *got != tt.want {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestCheckEnvelopeDSN(t *testing.T) {
	other := "fedcba9876543210fedcba9876543210"
	dsn := "http://" + key + "@127.0.0.1:8969/1"
	tests := []struct {
		name    string
		reqKey  string
		dsn     string
		project uint64
		wantKey string
		carrier Carrier
		kind    error
		status  int
	}{
		{name: "dsn only (tunnel)", dsn: dsn, project: 1, wantKey: key, carrier: CarrierEnvelope},
		{name: "dsn and agreeing header", reqKey: key, dsn: dsn, project: 1, wantKey: key, carrier: CarrierXSentryAuth},
		{name: "no dsn", reqKey: key, project: 1, wantKey: key, carrier: CarrierXSentryAuth},
		{name: "key mismatch", reqKey: other, dsn: dsn, project: 1, kind: ErrAuthMismatch, status: 400},
		{name: "project mismatch", reqKey: key, dsn: dsn, project: 2, kind: ErrAuthMismatch, status: 400},
		{name: "dsn with path prefix", dsn: "https://" + key + "@host/sentry/1", project: 1, wantKey: key, carrier: CarrierEnvelope},
		{name: "bad dsn", dsn: "not a dsn", project: 1, kind: ErrBadKey, status: 400},
		{name: "dsn without project", dsn: "http://" + key + "@host/", kind: ErrBadKey, status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &Auth{Version: 7}
			if tt.reqKey != "" {
				a.PublicKey, a.Carrier = tt.reqKey, CarrierXSentryAuth
			}
			err := a.CheckEnvelopeDSN(tt.dsn, tt.project)
			if tt.kind != nil {
				if !errors.Is(err, tt.kind) || StatusOf(err) != tt.status {
					t.Fatalf("err = %v (status %d), want %v", err, StatusOf(err), tt.kind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.PublicKey != tt.wantKey || a.Carrier != tt.carrier {
				t.Errorf("got key %q carrier %v", a.PublicKey, a.Carrier)
			}
		})
	}
	var none Auth
	if err := none.Require(); !errors.Is(err, ErrMissingAuth) || StatusOf(err) != 401 {
		t.Errorf("Require on empty auth = %v", err)
	}
}

func TestParseDSN(t *testing.T) {
	d, err := ParseDSN("https://" + key + ":secret@o1.ingest.example.com:8443/sentry/42")
	if err != nil {
		t.Fatal(err)
	}
	if d.PublicKey != key || d.SecretKey != "secret" || d.Host != "o1.ingest.example.com:8443" || d.Path != "/sentry" || d.ProjectID != 42 {
		t.Errorf("got %+v", d)
	}
}
