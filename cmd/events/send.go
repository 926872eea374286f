package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/build"
	"github.com/snag-dev/snag/internal/config"
	"github.com/snag-dev/snag/internal/iostreams"
	"github.com/snag-dev/snag/local/ingest"
	"github.com/snag-dev/snag/local/store"
)

// SendOptions are `snag events send`'s inputs.
type SendOptions struct {
	IO         *iostreams.IOStreams
	Config     func() (*config.Config, error)
	Getenv     func(string) string
	HTTPClient func() *http.Client
	Now        func() time.Time

	DSN         string
	Paths       []string
	Raw         bool
	Messages    []string
	MessageArgs []string
	Level       string
	Timestamp   string
	Release     string
	Dist        string
	Env         string
	Platform    string
	Tags        []string
	Extra       []string
	User        []string
	Fingerprint []string
	JSON        bool

	// set reports whether the user gave a flag (file events keep their own
	// values for the others).
	set func(name string) bool
}

// sendTimeout bounds one send.
const sendTimeout = 30 * time.Second

// maxEventFile bounds an event file: Relay takes events of up to 1 MiB.
const maxEventFile = 1 << 20

// NewCmdSend builds `snag events send`; runF replaces the run function in
// tests.
func NewCmdSend(f *cmdutil.Factory, runF func(context.Context, *SendOptions) error) *cobra.Command {
	opts := &SendOptions{IO: f.IOStreams, Getenv: f.Getenv, HTTPClient: f.HTTPClient, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "send [<event.json>...] [-m <message>]... [flags]",
		Short: "Send a test event to Sentry or the local server",
		Long: heredoc.Doc(`
			Send an event, like 'sentry-cli send-event': build one from the flags, or send event
			JSON files (flags given on the command line override their fields; with --raw the file
			is sent byte for byte). Prints the event id.

			The event goes to --dsn, else SENTRY_DSN, else the local server's DSN (the one
			'snag dsn' prints, for --addr or SNAG_ADDR), as an envelope with the DSN's key in the
			X-Sentry-Auth header, as SDKs send it.

			--tag, --extra and --user take key:value pairs and repeat. --user keys are id, email,
			username, ip_address and name; others go to the user's data.
		`),
		Example: cmdutil.Examples(
			"snag events send -m 'Deploy finished' --level info",
			"snag events send -m 'Checkout failed for %s' -a 42 --tag flow:checkout --user id:42 --release web@1.4.2",
			"snag events send event.json --env staging",
			"snag events send --dsn \"$SENTRY_DSN\" -m 'hello from CI' --json",
		),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			opts.Config = func() (*config.Config, error) { return f.Config(cmd.Flags()) }
			opts.set = func(name string) bool { return cmd.Flags().Changed(name) }
			if err := checkSendFlags(opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runSend(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.DSN, "dsn", "", "DSN to send to (env SENTRY_DSN; default the local server's)")
	fl.StringArrayVarP(&opts.Messages, "message", "m", nil, "Message; repeat for more lines")
	fl.StringArrayVarP(&opts.MessageArgs, "message-arg", "a", nil, "Argument for a %s in the message (repeatable)")
	fl.StringVarP(&opts.Level, "level", "l", "error", "Level: debug, info, warning, error or fatal")
	fl.StringVar(&opts.Timestamp, "timestamp", "", "When it happened: RFC 3339 or Unix seconds (default now)")
	fl.StringVarP(&opts.Release, "release", "r", "", "Release (env SENTRY_RELEASE)")
	fl.StringVarP(&opts.Dist, "dist", "d", "", "Distribution (env SENTRY_DIST)")
	fl.StringVarP(&opts.Env, "env", "E", "", "Environment (env SENTRY_ENVIRONMENT)")
	fl.StringVarP(&opts.Platform, "platform", "p", "other", "Platform")
	fl.StringArrayVarP(&opts.Tags, "tag", "t", nil, "Tag as key:value (repeatable)")
	fl.StringArrayVarP(&opts.Extra, "extra", "e", nil, "Extra data as key:value (repeatable)")
	fl.StringArrayVarP(&opts.User, "user", "u", nil, "User attribute as key:value, e.g. id:42 (repeatable)")
	fl.StringArrayVarP(&opts.Fingerprint, "fingerprint", "f", nil, "Fingerprint part; repeat for more (grouping)")
	fl.BoolVar(&opts.Raw, "raw", false, "Send event files byte for byte")
	cmdutil.AddJSONFlag(cmd, &opts.JSON)
	cmdutil.AddConfigFlags(cmd, config.Addr, config.DB)
	return cmd
}

func checkSendFlags(o *SendOptions) error {
	if len(o.Paths) == 0 && len(o.Messages) == 0 {
		return cmdutil.FlagErrorf("nothing to send: pass -m/--message, or an event JSON file")
	}
	if o.Raw && len(o.Paths) == 0 {
		return cmdutil.FlagErrorf("--raw sends event files; pass one")
	}
	if _, ok := ingest.NormalizeLevel(o.Level); !ok {
		return cmdutil.FlagErrorf("--level must be debug, info, warning, error or fatal, not %q", o.Level)
	}
	if o.Timestamp != "" {
		if _, err := api.ParseTimestamp(o.Timestamp); err != nil {
			return cmdutil.FlagErrorf("--timestamp: %v", err)
		}
	}
	for _, l := range []struct {
		flag string
		vals []string
	}{{"--tag", o.Tags}, {"--extra", o.Extra}, {"--user", o.User}} {
		for _, v := range l.vals {
			if k, _, ok := strings.Cut(v, ":"); !ok || k == "" {
				return cmdutil.FlagErrorf("%s %q: want key:value", l.flag, v)
			}
		}
	}
	if o.DSN != "" {
		if _, err := ingest.ParseDSN(o.DSN); err != nil {
			return cmdutil.FlagErrorf("--dsn: %q is not a DSN such as https://<key>@<host>/<project-id>", o.DSN)
		}
	}
	return nil
}

func runSend(ctx context.Context, opts *SendOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	dsnText, local, err := resolveDSN(ctx, opts, cfg)
	if err != nil {
		return err
	}
	dsn, err := ingest.ParseDSN(dsnText)
	if err != nil {
		return fmt.Errorf("the DSN %q: %w", dsnText, err)
	}
	var payloads [][]byte
	if len(opts.Paths) == 0 {
		b, err := json.Marshal(applyFlags(map[string]any{}, opts, cfg, true))
		if err != nil {
			return err
		}
		payloads = append(payloads, b)
	}
	for _, p := range opts.Paths {
		b, err := eventFromFile(opts, cfg, p)
		if err != nil {
			return err
		}
		payloads = append(payloads, b)
	}
	var ids []string
	for _, payload := range payloads {
		id, err := send(ctx, opts, dsn, dsnText, payload)
		if err != nil {
			if local && isConnRefused(err) {
				return cmdutil.WithHint(err, "Nothing answers at the local DSN: start the server with 'snag serve', or pass --dsn.")
			}
			return err
		}
		ids = append(ids, id)
		if opts.IO.IsStderrTTY() {
			cs := opts.IO.ErrColorScheme()
			fmt.Fprintf(opts.IO.ErrOut, "%s Sent event %s to %s (project %d)\n", cs.SuccessIcon(), id, dsn.Host, dsn.ProjectID)
		}
	}
	if opts.JSON {
		out := make([]map[string]string, len(ids))
		for i, id := range ids {
			out[i] = map[string]string{"id": id}
		}
		if len(out) == 1 {
			return cmdutil.WriteJSON(opts.IO.Out, out[0])
		}
		return cmdutil.WriteJSON(opts.IO.Out, out)
	}
	for _, id := range ids {
		fmt.Fprintln(opts.IO.Out, id)
	}
	return nil
}

// resolveDSN picks --dsn, SENTRY_DSN, or the local server's DSN.
func resolveDSN(ctx context.Context, opts *SendOptions, cfg *config.Config) (dsn string, local bool, err error) {
	if opts.DSN != "" {
		return opts.DSN, false, nil
	}
	if d := opts.Getenv("SENTRY_DSN"); d != "" {
		return d, false, nil
	}
	st, err := cmdutil.OpenStore(ctx, cfg.Value(config.DB), store.Options{})
	if err != nil {
		return "", false, err
	}
	defer st.Close()
	keys, err := st.ProjectKeys(ctx, store.DefaultProjectID)
	if err != nil {
		return "", false, err
	}
	if len(keys) == 0 {
		return "", false, errors.New("the local default project has no DSN key")
	}
	return cmdutil.LocalDSN(cfg.Value(config.Addr), keys[0].PublicKey, store.DefaultProjectID), true, nil
}

// applyFlags sets the event fields the flags give; fresh events get every
// flag (defaults included), file events only the flags the user gave.
func applyFlags(ev map[string]any, opts *SendOptions, cfg *config.Config, fresh bool) map[string]any {
	given := func(name string) bool { return fresh || opts.set(name) }
	if _, ok := ev["event_id"]; !ok || fresh {
		ev["event_id"] = ingest.NewEventID()
	}
	if given("timestamp") || ev["timestamp"] == nil {
		t := opts.Now()
		if opts.Timestamp != "" {
			t, _ = api.ParseTimestamp(opts.Timestamp)
		}
		ev["timestamp"] = json.RawMessage(api.AppendUnixSeconds(nil, t))
	}
	if given("level") {
		ev["level"], _ = ingest.NormalizeLevel(opts.Level)
	}
	if given("platform") {
		ev["platform"] = opts.Platform
	}
	if len(opts.Messages) > 0 {
		le := map[string]any{"message": strings.Join(opts.Messages, "\n")}
		if len(opts.MessageArgs) > 0 {
			le["params"] = opts.MessageArgs
		}
		ev["logentry"] = le
		delete(ev, "message")
	}
	// The environment supplies release, dist and environment like sentry-cli.
	setString := func(key, flagVal, fallback string) {
		switch {
		case flagVal != "":
			ev[key] = flagVal
		case fallback != "" && (fresh || ev[key] == nil):
			ev[key] = fallback
		}
	}
	setString("release", opts.Release, cfg.Value(config.Release))
	setString("dist", opts.Dist, cfg.Value(config.Dist))
	setString("environment", opts.Env, opts.Getenv("SENTRY_ENVIRONMENT"))
	if len(opts.Tags) > 0 {
		tags := map[string]any{}
		if old, ok := ev["tags"].(map[string]any); ok {
			tags = old
		} else if old, ok := ev["tags"].([]any); ok {
			for _, p := range old {
				if kv, ok := p.([]any); ok && len(kv) == 2 {
					if k, ok := kv[0].(string); ok {
						tags[k] = kv[1]
					}
				}
			}
		}
		for _, t := range opts.Tags {
			k, v, _ := strings.Cut(t, ":")
			tags[k] = v
		}
		ev["tags"] = tags
	}
	if len(opts.Extra) > 0 {
		extra, _ := ev["extra"].(map[string]any)
		if extra == nil {
			extra = map[string]any{}
		}
		for _, e := range opts.Extra {
			k, v, _ := strings.Cut(e, ":")
			extra[k] = v
		}
		ev["extra"] = extra
	}
	if len(opts.User) > 0 {
		user, _ := ev["user"].(map[string]any)
		if user == nil {
			user = map[string]any{}
		}
		data, _ := user["data"].(map[string]any)
		for _, u := range opts.User {
			k, v, _ := strings.Cut(u, ":")
			switch k {
			case "id", "email", "username", "ip_address", "name":
				user[k] = v
			default:
				if data == nil {
					data = map[string]any{}
				}
				data[k] = v
			}
		}
		if data != nil {
			user["data"] = data
		}
		ev["user"] = user
	}
	if len(opts.Fingerprint) > 0 {
		ev["fingerprint"] = opts.Fingerprint
	}
	if fresh {
		if host, err := os.Hostname(); err == nil {
			ev["server_name"] = host
		}
		ev["contexts"] = map[string]any{"os": map[string]any{"type": "os", "name": runtime.GOOS}}
		ev["sdk"] = map[string]any{"name": "snag", "version": build.Get().Version}
	}
	return ev
}

func eventFromFile(opts *SendOptions, cfg *config.Config, path string) ([]byte, error) {
	b, name, err := cmdutil.ReadInput(opts.IO, path, maxEventFile, "an event JSON")
	if err != nil {
		return nil, err
	}
	if opts.Raw {
		return b, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var ev map[string]any
	if err := dec.Decode(&ev); err != nil || ev == nil {
		if err == nil {
			err = errors.New("not a JSON object")
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return json.Marshal(applyFlags(ev, opts, cfg, false))
}

// send posts one event as an envelope and returns the id the server
// acknowledged.
func send(ctx context.Context, opts *SendOptions, dsn *ingest.DSN, dsnText string, payload []byte) (string, error) {
	var probe struct {
		EventID string `json:"event_id"`
	}
	_ = json.Unmarshal(payload, &probe)
	id := ingest.NormalizeEventID(probe.EventID)
	var body bytes.Buffer
	header := map[string]any{"dsn": dsnText, "sent_at": opts.Now().UTC().Format(time.RFC3339Nano)}
	if id != "" {
		header["event_id"] = id
	}
	hb, _ := json.Marshal(header)
	body.Write(hb)
	fmt.Fprintf(&body, "\n{\"type\":\"event\",\"length\":%d,\"content_type\":\"application/json\"}\n", len(payload))
	body.Write(payload)
	body.WriteByte('\n')

	endpoint := dsn.Scheme + "://" + dsn.Host + dsn.Path + "/api/" + strconv.FormatUint(dsn.ProjectID, 10) + "/envelope/"
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, &body)
	if err != nil {
		return "", err
	}
	auth := "Sentry sentry_version=7, sentry_client=" + build.UserAgent() + ", sentry_key=" + dsn.PublicKey
	if dsn.SecretKey != "" {
		auth += ", sentry_secret=" + dsn.SecretKey
	}
	req.Header.Set("X-Sentry-Auth", auth)
	req.Header.Set("Content-Type", "application/x-sentry-envelope")
	req.Header.Set("User-Agent", build.UserAgent())
	resp, err := opts.HTTPClient().Do(req)
	if err != nil {
		return "", fmt.Errorf("sending the event to %s: %w", endpoint, unwrapURL(err))
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var ans struct {
		ID     string `json:"id"`
		Detail string `json:"detail"`
	}
	_ = json.Unmarshal(rb, &ans)
	if resp.StatusCode != http.StatusOK {
		msg := fmt.Sprintf("sending the event to %s: HTTP %d", endpoint, resp.StatusCode)
		if ans.Detail != "" {
			msg += ": " + ans.Detail
		}
		if ra := resp.Header.Get("Retry-After"); resp.StatusCode == http.StatusTooManyRequests && ra != "" {
			msg += " (retry after " + ra + " s)"
		}
		err := errors.New(msg)
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			return "", cmdutil.WithHint(err, "The server does not accept the DSN's key: check --dsn or SENTRY_DSN.")
		}
		return "", err
	}
	if got := ingest.NormalizeEventID(ans.ID); got != "" {
		id = got
	}
	return id, nil
}

// unwrapURL drops net/http's *url.Error wrapper, whose message repeats the
// URL.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func isConnRefused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
