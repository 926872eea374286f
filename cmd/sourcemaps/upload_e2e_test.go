package sourcemaps_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/snag-dev/snag/api"
	cmdissues "github.com/snag-dev/snag/cmd/issues"
	cmdsm "github.com/snag-dev/snag/cmd/sourcemaps"
	"github.com/snag-dev/snag/local/store"
)

// expectedFrames reads the ground truth of one scenario of a real bundle:
// each frame's position in the minified file and where it comes from.
type expectedFrame struct {
	Generated *struct {
		URL      string `json:"url"`
		Line     int    `json:"line"`
		Column   int    `json:"column"`
		Function string `json:"function"`
	} `json:"generated"`
	Original *struct {
		File     string `json:"file"`
		Line     int    `json:"line"`
		Function string `json:"function"`
	} `json:"original"`
}

func expectedFrames(t *testing.T, tool, scenario string) (header string, frames []expectedFrame) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(bundlesDir, tool, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Scenarios []struct {
			Name   string          `json:"name"`
			Header string          `json:"header"`
			Frames []expectedFrame `json:"frames"`
		} `json:"scenarios"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, s := range doc.Scenarios {
		if s.Name == scenario {
			for _, f := range s.Frames {
				if f.Generated != nil && f.Original != nil {
					frames = append(frames, f)
				}
			}
			return s.Header, frames
		}
	}
	t.Fatalf("no scenario %q in %s", scenario, tool)
	return "", nil
}

// End to end, as a team would run it: snag serve is running; CI injects
// debug IDs into a real esbuild build and uploads it with snag (no token:
// snag finds the server); the deployed code throws, and the Sentry SDK
// (sentry-go here, sending what the JavaScript SDK sends: minified frames
// and the debug IDs of their files in debug_meta) reports it; `snag issues
// view --json` shows the stack trace unminified; `snag issues resolve`
// resolves the issue, and the API says so.
func TestUploadEndToEnd(t *testing.T) {
	ctx := context.Background()
	srv := newLocalAPI(t)
	dir := distFixture(t, false)

	// 1. Inject and upload.
	r := runSnag(t, srv.env(), dir, "sourcemaps", "inject", "dist", "--json")
	if r.code != 0 {
		t.Fatalf("inject: exit %d\n%s", r.code, r.errOut)
	}
	var injected cmdsm.InjectReport
	if err := json.Unmarshal([]byte(r.out), &injected); err != nil {
		t.Fatal(err)
	}
	var debugID string
	snippetLine := 0
	for _, f := range injected.Files {
		if filepath.ToSlash(f.Path) == "dist/esbuild/main.min.js" {
			debugID, snippetLine = f.DebugID, f.SnippetLine
		}
	}
	if debugID == "" || snippetLine == 0 {
		t.Fatalf("inject report: %+v", injected)
	}
	r = runSnag(t, srv.env(), dir, "sourcemaps", "upload", "dist")
	if r.code != 0 {
		t.Fatalf("upload: exit %d\n%s", r.code, r.errOut)
	}

	// 2. The event, with positions in the injected file: the snippet is a
	// line of its own, so lines from it on moved down by one.
	header, want := expectedFrames(t, "esbuild", "checkout")
	typ, value, _ := strings.Cut(header, ": ")
	var frames []sentry.Frame
	for _, f := range slices.Backward(want) { // Sentry lists the oldest call first
		g := f.Generated
		line := g.Line
		if line >= snippetLine {
			line++
		}
		frames = append(frames, sentry.Frame{AbsPath: g.URL, Filename: g.URL, Function: g.Function, Lineno: line, Colno: g.Column, InApp: true})
	}
	keys, err := srv.st.ProjectKeys(ctx, store.DefaultProjectID)
	if err != nil {
		t.Fatal(err)
	}
	client, err := sentry.NewClient(sentry.ClientOptions{
		Dsn:       strings.Replace(srv.url, "http://", "http://"+keys[0].PublicKey+"@", 1) + "/1",
		Release:   "shop@2.0.0",
		Transport: sentry.NewHTTPSyncTransport(),
		BeforeSend: func(ev *sentry.Event, _ *sentry.EventHint) *sentry.Event {
			ev.Platform = "javascript" // sentry-go says "go"; the JavaScript SDK says this
			return ev
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ev := sentry.NewEvent()
	ev.Level = sentry.LevelError
	ev.Exception = []sentry.Exception{{Type: typ, Value: value, Stacktrace: &sentry.Stacktrace{Frames: frames}}}
	ev.DebugMeta = &sentry.DebugMeta{Images: []sentry.DebugMetaImage{{Type: "sourcemap", CodeFile: want[0].Generated.URL, DebugID: debugID}}}
	if id := sentry.NewHub(client, sentry.NewScope()).CaptureEvent(ev); id == nil {
		t.Fatal("the SDK dropped the event")
	}
	if !client.Flush(10 * time.Second) {
		t.Fatal("flush timed out")
	}
	if err := srv.st.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	// 3. Read it back through the API with the issues commands.
	apiEnv := map[string]string{"SENTRY_URL": srv.url, "SENTRY_AUTH_TOKEN": srv.token, "SENTRY_ORG": "local", "SENTRY_PROJECT": "default"}
	r = runSnag(t, apiEnv, dir, "issues", "list", "--json")
	if r.code != 0 {
		t.Fatalf("issues list: exit %d\n%s", r.code, r.errOut)
	}
	var issues []api.Issue
	if err := json.Unmarshal([]byte(r.out), &issues); err != nil || len(issues) != 1 {
		t.Fatalf("issues list: %v\n%s", err, r.out)
	}
	id := issues[0].ID
	r = runSnag(t, apiEnv, dir, "issues", "view", id, "--json")
	if r.code != 0 {
		t.Fatalf("issues view: exit %d\n%s", r.code, r.errOut)
	}
	var view cmdissues.View
	if err := json.Unmarshal([]byte(r.out), &view); err != nil {
		t.Fatal(err)
	}
	exc, err := view.Event.MainException()
	if err != nil || exc == nil || exc.Stacktrace == nil {
		t.Fatalf("latest event has no stack trace: %v\n%s", err, r.out)
	}
	got := exc.Stacktrace.Frames
	if len(got) != len(want) {
		t.Fatalf("%d frames, want %d", len(got), len(want))
	}
	for i, g := range got {
		o := want[len(want)-1-i].Original
		// The map names methods without their class ("checkout" for V8's
		// "Cart.checkout").
		if !strings.HasSuffix(g.Filename, o.File) || g.LineNo == nil || *g.LineNo != o.Line || (o.Function != "" && (g.Function == "" || !strings.HasSuffix(o.Function, g.Function))) {
			t.Errorf("frame %d = %s:%v %s, want %s:%d %s", i, g.Filename, deref(g.LineNo), g.Function, o.File, o.Line, o.Function)
		}
	}
	if exc.RawStacktrace == nil || exc.RawStacktrace.Frames[len(got)-1].AbsPath != want[0].Generated.URL {
		t.Errorf("the minified frames are not kept as the raw stack trace")
	}

	// 4. Resolve it, and see the status change through the API.
	r = runSnag(t, apiEnv, dir, "issues", "resolve", id)
	if r.code != 0 {
		t.Fatalf("issues resolve: exit %d\n%s", r.code, r.errOut)
	}
	c, err := api.New(srv.url, srv.token)
	if err != nil {
		t.Fatal(err)
	}
	is, err := c.GetIssue(ctx, "local", id)
	if err != nil || is.Status != "resolved" {
		t.Fatalf("issue %s after resolve: %+v, %v", id, is, err)
	}
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}
