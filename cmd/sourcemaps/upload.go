package sourcemaps

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/klauspost/compress/flate"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/config"
	"github.com/snag-dev/snag/internal/iostreams"
	"github.com/snag-dev/snag/local/server"
	"github.com/snag-dev/snag/local/store"
	sm "github.com/snag-dev/snag/sourcemaps"
)

// UploadOptions are `snag sourcemaps upload`'s inputs.
type UploadOptions struct {
	IO         *iostreams.IOStreams
	Config     func() (*config.Config, error)
	APIClient  func(cfg *config.Config) (*api.Client, error)
	HTTPClient func() *http.Client
	Now        func() time.Time

	Paths             []string
	URLPrefix         string
	URLSuffix         string
	StripPrefix       []string
	StripCommonPrefix bool
	Extensions        []string
	Ignore            []string
	IgnoreFile        string
	Note              string
	NoValidate        bool
	Wait              bool
	DryRun            bool
	JSON              bool
	Local             bool
}

// NewCmdUpload builds the command; runF replaces the run function in tests.
func NewCmdUpload(f *cmdutil.Factory, runF func(context.Context, *UploadOptions) error) *cobra.Command {
	opts := &UploadOptions{IO: f.IOStreams, APIClient: f.APIClient, HTTPClient: f.HTTPClient, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "upload <path>...",
		Short: "Upload JS files and sourcemaps to Sentry or to snag",
		Long: heredoc.Doc(`
			Collect the JavaScript files and sourcemaps under the paths, check them, pack them into
			one artifact bundle and upload it the way sentry-cli sourcemaps upload does, so Sentry
			(or snag serve) unminifies the stack traces of events from this build.

			Directories are searched recursively for .js, .cjs, .mjs, .map, .jsbundle and .bundle
			files (see --ext), hidden ones such as .next included, node_modules not. Each file is
			uploaded under a URL made of --url-prefix (default ~, which stands for any scheme and
			host), its path under the directory given, and --url-suffix: dist/static/app.js, from
			the directory dist, becomes ~/static/app.js. A file given by name is uploaded under its
			base name. Each JS file is paired with its map (its sourceMappingURL, else a map named
			like it), and files carry their debug IDs, written by 'snag sourcemaps inject'. Files
			that cannot be uploaded (not UTF-8, CSS and declaration maps) are listed with the reason.

			Before anything is sent the files are validated as 'snag sourcemaps validate' does; an
			error (a map that does not decode, a map from another build, debug IDs that disagree)
			stops the upload unless --no-validate. Without --release, the files must carry debug
			IDs: events find their maps by debug ID alone.

			The bundle is the same bytes for the same files, so an unchanged re-upload costs one
			request: the server has every chunk, and nothing is sent again. Chunks the server lacks
			go in parallel within its limits. Without --wait the command returns once the server
			has the bundle; with --wait it waits until the server has processed it.

			Where it goes: to the Sentry server at --url (SENTRY_URL, default https://sentry.io)
			when an auth token is configured (--auth-token, SENTRY_AUTH_TOKEN, .sentryclirc, 'snag
			login'; org tokens carry the URL and organization), for --org and --project (several
			projects: --project web,admin). Without a token, to a snag serve running at SNAG_ADDR
			(default 127.0.0.1:8969), with the API token of the local database. --local writes the
			bundle straight into the local database (SNAG_DB), no server needed. For snag,
			--project defaults to "default".

			Prints what was uploaded (URL, type, debug ID, sourcemap) and what was skipped, and
			why; --json prints the same as JSON. Progress goes to stderr on a terminal.
		`),
		Example: cmdutil.Examples(
			"snag sourcemaps inject dist/ && snag sourcemaps upload dist/ --org acme --project web",
			"snag sourcemaps upload .next/static --url-prefix '~/_next/static' --release \"$GIT_SHA\"",
			"snag sourcemaps upload build/ --release 1.4.2 --dist 87 --wait",
			"snag sourcemaps upload dist/ --local",
			"snag sourcemaps upload dist/ --dry-run --json | jq '.files[] | {url, debug_id}'",
		),
		Args: cmdutil.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			opts.Config = func() (*config.Config, error) { return f.Config(cmd.Flags()) }
			for _, e := range opts.Extensions {
				if strings.Trim(e, ".") == "" || strings.ContainsAny(e, "/\\*") {
					return cmdutil.FlagErrorf("--ext %q: want an extension such as js or .mjs", e)
				}
			}
			if _, err := sm.NormalizeURLPrefix(opts.URLPrefix); err != nil {
				return &cmdutil.FlagError{Err: fmt.Errorf("--url-prefix: %w", err)}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runUpload(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	cmdutil.AddConfigFlagP(cmd, config.Release, "r")
	cmdutil.AddConfigFlagP(cmd, config.Dist, "d")
	fl.StringVarP(&opts.URLPrefix, "url-prefix", "u", "", "Prefix of every file's URL (default ~, any scheme and host), e.g. ~/static/js or app:///")
	fl.StringVar(&opts.URLSuffix, "url-suffix", "", "Suffix of every file's URL, e.g. ?v=2")
	fl.StringArrayVar(&opts.StripPrefix, "strip-prefix", nil, "Remove this prefix from the sources listed inside maps (not from upload URLs; repeatable)")
	fl.BoolVar(&opts.StripCommonPrefix, "strip-common-prefix", false, "Remove the directory prefix all of a map's sources share")
	fl.StringArrayVarP(&opts.Extensions, "ext", "x", nil, "File extension to collect, replacing the defaults js, cjs, mjs, map, jsbundle and bundle (repeatable)")
	fl.StringArrayVarP(&opts.Ignore, "ignore", "i", nil, "Gitignore-style pattern of files or directories to leave out (repeatable)")
	fl.StringVarP(&opts.IgnoreFile, "ignore-file", "I", "", "File of ignore patterns, one per line")
	fl.StringVar(&opts.Note, "note", "", "Note stored in the bundle's manifest")
	fl.BoolVar(&opts.NoValidate, "no-validate", false, "Upload even when validation finds errors")
	fl.BoolVar(&opts.Wait, "wait", false, fmt.Sprintf("Wait until the server has processed the bundle (at most %s)", api.DefaultAssembleWait))
	fl.BoolVar(&opts.DryRun, "dry-run", false, "Collect, validate and bundle, but send nothing")
	fl.BoolVar(&opts.Local, "local", false, "Write into the local database (SNAG_DB) instead of uploading")
	cmdutil.AddConfigFlags(cmd, config.URL, config.AuthToken)
	cmdutil.AddConfigFlagP(cmd, config.Org, "o")
	cmdutil.AddConfigFlagP(cmd, config.Project, "p")
	cmdutil.AddConfigFlags(cmd, config.DB, config.Addr)
	cmdutil.AddJSONFlag(cmd, &opts.JSON)
	return cmd
}

// UploadReport is the --json document.
type UploadReport struct {
	DryRun  bool         `json:"dry_run"`
	Target  UploadTarget `json:"target"`
	Release string       `json:"release,omitempty"`
	Dist    string       `json:"dist,omitempty"`
	Bundle  UploadBundle `json:"bundle"`
	// Validation is absent with --no-validate.
	Validation *UploadValidation  `json:"validation,omitempty"`
	Files      []UploadFileResult `json:"files"`
	Skipped    []UploadSkipped    `json:"skipped"`
}

// UploadTarget is where the bundle went. Kind is "sentry" (a Sentry
// server, or any server answering its API), "local_server" (snag serve,
// found without a token) or "local_store" (--local).
type UploadTarget struct {
	Kind     string   `json:"kind"`
	URL      string   `json:"url,omitempty"`
	Org      string   `json:"org,omitempty"`
	Projects []string `json:"projects"`
	Database string   `json:"database,omitempty"`
}

// UploadBundle describes the artifact bundle and what happened to it.
// State is the server's assembly state ("ok", or "created"/"assembling"
// when it is still processing), empty in a dry run. AlreadyUploaded means
// the server had it: nothing was sent.
type UploadBundle struct {
	DebugID         string `json:"debug_id"`
	Checksum        string `json:"checksum"`
	Size            int64  `json:"size"`
	FilesSize       int64  `json:"files_size"`
	Chunks          int    `json:"chunks"`
	ChunksUploaded  int    `json:"chunks_uploaded"`
	State           string `json:"state,omitempty"`
	AlreadyUploaded bool   `json:"already_uploaded"`
}

// UploadValidation sums up validation: counts, and the errors and warnings.
type UploadValidation struct {
	Errors   int          `json:"errors"`
	Warnings int          `json:"warnings"`
	Problems []sm.Problem `json:"problems"`
}

// UploadFileResult is one file in the bundle. Type is "minified_source" or
// "source_map"; DebugIDFrom names the file a debug ID was taken from when
// it is not the file's own; Sourcemap is a minified file's sourcemap
// header, Map the map it pairs with ("inline" for a data: URL).
type UploadFileResult struct {
	Path             string `json:"path"`
	URL              string `json:"url"`
	Type             string `json:"type"`
	DebugID          string `json:"debug_id,omitempty"`
	DebugIDFrom      string `json:"debug_id_from,omitempty"`
	Sourcemap        string `json:"sourcemap,omitempty"`
	Map              string `json:"map,omitempty"`
	Size             int    `json:"size"`
	RewrittenSources int    `json:"rewritten_sources,omitempty"`
}

// UploadSkipped is a file left out, and why.
type UploadSkipped struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Target kinds.
const (
	targetSentry      = "sentry"
	targetLocalServer = "local_server"
	targetLocalStore  = "local_store"
)

// bundleLevel trades a few percent of bundle size for speed: klauspost's
// level 4 deflates maps at over 100 MB/s a core, where compress/flate's
// default does 10 to 30, for a bundle about 8% larger.
const bundleLevel = 4

// ErrNoToken is an upload with no token, no --local and no snag serve to
// take it.
var ErrNoToken = errors.New("no auth token configured, and no snag server is running")

// uploadTarget is a resolved destination.
type uploadTarget struct {
	UploadTarget
	dbPath string // the local database, for snag
}

func runUpload(ctx context.Context, opts *UploadOptions) error {
	started := opts.now()
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	release, dist := cfg.Value(config.Release), cfg.Value(config.Dist)
	if err := checkRelease(release, dist); err != nil {
		return err
	}
	ignore, err := sm.ParseIgnoreRules(opts.Ignore)
	if err != nil {
		return &cmdutil.FlagError{Err: fmt.Errorf("--ignore: %w", err)}
	}
	if opts.IgnoreFile != "" {
		data, err := os.ReadFile(opts.IgnoreFile)
		if err != nil {
			return &cmdutil.FlagError{Err: fmt.Errorf("--ignore-file: %w", err)}
		}
		if err := ignore.ReadIgnoreFile(opts.IgnoreFile, data); err != nil {
			return &cmdutil.FlagError{Err: fmt.Errorf("--ignore-file: %w", err)}
		}
	}
	// Configuration mistakes fail before any file is read.
	tgt, err := resolveTarget(cfg, opts)
	if err != nil {
		return err
	}

	errOut := opts.IO.ErrOut
	cs := opts.IO.ErrColorScheme()
	bar := newProgress(errOut, opts.IO.IsStderrTTY(), opts.IO.TerminalWidth())
	defer bar.Done()

	bar.Stage("Collecting files")
	set, err := sm.CollectUpload(opts.Paths, sm.UploadOptions{
		Extensions: opts.Extensions, Ignore: ignore, URLPrefix: opts.URLPrefix, URLSuffix: opts.URLSuffix,
		StripPrefixes: opts.StripPrefix, StripCommonPrefix: opts.StripCommonPrefix,
	})
	if err != nil {
		return err
	}
	rep := UploadReport{DryRun: opts.DryRun, Target: tgt.UploadTarget, Release: release, Dist: dist}
	rep.Files, rep.Skipped = fileResults(set)
	if len(set.Files) == 0 {
		bar.Done()
		for _, s := range set.Skipped {
			fmt.Fprintf(errOut, "%s skipped %s: %s\n", cs.WarningIcon(), s.Path, s.Reason)
		}
		return cmdutil.WithHint(fmt.Errorf("no JS files or sourcemaps to upload under %s", strings.Join(opts.Paths, ", ")),
			"Give the build output directory (dist/, build/, .next/); --ext changes the extensions looked for.")
	}
	if release == "" && !slices.ContainsFunc(set.Files, func(f *sm.UploadFile) bool { return f.DebugID != "" }) {
		// As sentry-cli and Sentry: nothing could ever find these files.
		bar.Done()
		return cmdutil.WithHint(errors.New("cannot upload: the files have no debug IDs and no release is given, so no event could find these maps"),
			"Run 'snag sourcemaps inject' on the build output first (and deploy the injected files), or pass --release with the release your SDK sends.")
	}

	// Validation and bundling use both cores at once; the bundle is thrown
	// away if validation fails.
	var (
		vrep *sm.Report
		verr error
		wg   sync.WaitGroup
	)
	if !opts.NoValidate {
		wg.Go(func() { vrep, verr = set.Validate(sm.ValidateOptions{}) })
	}
	bar.Stage(fmt.Sprintf("Validating and bundling %s (%s)", plural(len(set.Files), "file"), humanBytes(set.Size())))
	// One buffer for the bundle: maps and JS deflate to a quarter or so (if
	// not, bytes.Buffer moves it to the heap and grows it there).
	mem, freeMem := bigBuffer(int(set.Size()/3) + 1<<20)
	defer freeMem()
	buf := bytes.NewBuffer(mem[:0])
	attrs := sm.BundleAttributes{Org: tgt.Org, Release: release, Dist: dist, Note: opts.Note}
	if len(tgt.Projects) == 1 {
		attrs.Project = tgt.Projects[0]
	}
	manifest, berr := sm.WriteBundleWith(buf, attrs, set.BundleFiles(), sm.BundleWriteOptions{
		Compressor:  func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, bundleLevel) },
		Concurrency: runtime.GOMAXPROCS(0),
	})
	wg.Wait()
	if verr != nil {
		return verr
	}
	if berr != nil {
		return fmt.Errorf("building the artifact bundle: %w", berr)
	}
	bundle := buf.Bytes()
	checksum, chunks := api.SplitChunks(bundle, api.DefaultChunkSize)
	rep.Bundle = UploadBundle{DebugID: manifest.DebugID, Checksum: checksum, Size: int64(len(bundle)), FilesSize: set.Size(), Chunks: len(chunks)}
	if vrep != nil {
		rep.Validation = validationSummary(vrep)
		if vrep.Summary.Errors > 0 {
			bar.Done()
			return validationFailed(opts, rep, vrep)
		}
	}

	if !opts.DryRun {
		bar.Stage("Uploading to " + describeTarget(tgt.UploadTarget))
		if err := send(ctx, opts, tgt, bundle, &rep, bar); err != nil {
			bar.Done()
			return err
		}
	}
	bar.Done()

	if opts.JSON {
		if err := cmdutil.WriteJSON(opts.IO.Out, rep); err != nil {
			return err
		}
	} else if err := writeUploadText(opts.IO.Out, opts.IO.ColorScheme(), rep); err != nil {
		return err
	}
	summarizeUpload(opts, set, rep, opts.now().Sub(started))
	return nil
}

func (o *UploadOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// checkRelease refuses what the server would: a dist without a release, a
// release with a slash.
func checkRelease(release, dist string) error {
	switch {
	case dist != "" && release == "":
		return cmdutil.FlagErrorf("--dist needs --release: a distribution belongs to a release")
	case strings.Contains(release, "/"):
		return cmdutil.FlagErrorf("--release %q: a release cannot contain \"/\"", release)
	case release != "" && strings.TrimSpace(release) == "":
		return cmdutil.FlagErrorf("--release is blank")
	}
	return nil
}

// projectFlag is --project when given on the command line: snag's local
// projects are not the ones SENTRY_PROJECT names.
func projectFlag(cfg *config.Config) string {
	if p := cfg.Get(config.Project); p.Source == "--"+config.Flag[config.Project]+" flag" {
		return p.Value
	}
	return ""
}

// splitProjects reads a project list: one slug, or several separated by
// commas.
func splitProjects(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// resolveTarget picks where the bundle goes (see the command's help),
// without network or database access.
func resolveTarget(cfg *config.Config, opts *UploadOptions) (*uploadTarget, error) {
	tok := cfg.Get(config.AuthToken)
	switch {
	case opts.Local:
		projects := splitProjects(projectFlag(cfg))
		if len(projects) == 0 {
			projects = []string{store.DefaultProjectSlug}
		}
		return &uploadTarget{UploadTarget: UploadTarget{Kind: targetLocalStore, Org: store.OrgSlug, Projects: projects, Database: cfg.Value(config.DB)}, dbPath: cfg.Value(config.DB)}, nil
	case tok.IsSet():
		org := cfg.Value(config.Org)
		if org == "" {
			return nil, cmdutil.WithHint(cmdutil.FlagErrorf("no organization: pass --org or set SENTRY_ORG"),
				"An org auth token (sntrys_...) carries its organization; a user token needs --org.")
		}
		projects := splitProjects(cfg.Value(config.Project))
		if len(projects) == 0 {
			return nil, cmdutil.WithHint(cmdutil.FlagErrorf("no project: pass --project or set SENTRY_PROJECT"),
				"Sentry stores a bundle for the projects named; several can be given as --project web,admin.")
		}
		return &uploadTarget{UploadTarget: UploadTarget{Kind: targetSentry, URL: strings.TrimRight(cfg.Value(config.URL), "/"), Org: org, Projects: projects}}, nil
	default:
		projects := splitProjects(projectFlag(cfg))
		if len(projects) == 0 {
			projects = []string{store.DefaultProjectSlug}
		}
		return &uploadTarget{UploadTarget: UploadTarget{Kind: targetLocalServer, URL: cmdutil.LocalURL(cfg.Value(config.Addr)), Org: store.OrgSlug, Projects: projects, Database: cfg.Value(config.DB)}, dbPath: cfg.Value(config.DB)}, nil
	}
}

func describeTarget(t UploadTarget) string {
	switch t.Kind {
	case targetLocalStore:
		return "the local database " + t.Database
	case targetLocalServer:
		return "snag serve at " + t.URL
	}
	return t.URL
}

// send uploads the bundle (or stores it, with --local) and fills in what
// happened.
func send(ctx context.Context, opts *UploadOptions, tgt *uploadTarget, bundle []byte, rep *UploadReport, bar *progress) error {
	if tgt.Kind == targetLocalStore {
		return storeLocally(ctx, opts, tgt, bundle, rep)
	}
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	client, err := uploadClient(ctx, cfg, opts, tgt)
	if err != nil {
		return err
	}
	wait := time.Duration(0)
	if opts.Wait {
		wait = api.DefaultAssembleWait
	}
	res, err := client.UploadArtifactBundle(ctx, tgt.Org, bundle, api.BundleTarget{Projects: tgt.Projects, Version: rep.Release, Dist: rep.Dist}, wait,
		api.WithUploadProgress(func(sent, total int64) {
			bar.Bytes(sent, total)
		}))
	if res != nil {
		rep.Bundle.Chunks = res.Chunks
		rep.Bundle.ChunksUploaded = res.Uploaded
		rep.Bundle.AlreadyUploaded = res.Uploaded == 0 && res.Assemble != nil && res.Assemble.State == api.AssembleOK
		if res.Assemble != nil {
			rep.Bundle.State = res.Assemble.State
		}
	}
	if err != nil {
		return uploadError(err, tgt)
	}
	return nil
}

// uploadError adds what to do to the errors users meet.
func uploadError(err error, tgt *uploadTarget) error {
	var failed *api.AssembleFailedError
	switch {
	case tgt.Kind == targetLocalServer && api.IsAuthError(err):
		return cmdutil.WithHint(fmt.Errorf("snag serve at %s refused the API token of %s: %w", tgt.URL, tgt.Database, err),
			"That server uses another database: pass the token it printed on start with --auth-token and --url "+tgt.URL+" --org local, or use the same --db.")
	case errors.As(err, &failed):
		return cmdutil.WithHint(err, "The server refused the bundle: 'snag sourcemaps validate' on the same paths shows what is wrong with the files.")
	case errors.Is(err, api.ErrNotFound):
		return cmdutil.WithHint(err, fmt.Sprintf("Check the organization (%s) and that the token can reach it.", tgt.Org))
	case errors.Is(err, api.ErrAssembleTimeout):
		return cmdutil.WithHint(err, "The bundle is uploaded; the server is still processing it. Run again to see the outcome, without --wait to not wait.")
	}
	var he *api.HTTPError
	if errors.As(err, &he) && he.StatusCode == http.StatusBadRequest && strings.Contains(he.Detail, "project") {
		return cmdutil.WithHint(err, fmt.Sprintf("Check the project slugs (%s): they must exist in the organization.", strings.Join(tgt.Projects, ", ")))
	}
	return err
}

// uploadClient is the API client for the target: Sentry's from the
// configuration, or the local server's with the token of the local
// database, once it is known to be running.
func uploadClient(ctx context.Context, cfg *config.Config, opts *UploadOptions, tgt *uploadTarget) (*api.Client, error) {
	if tgt.Kind == targetSentry {
		return opts.APIClient(cfg)
	}
	hc := http.DefaultClient
	if opts.HTTPClient != nil {
		hc = opts.HTTPClient()
	}
	noServer := cmdutil.WithHint(&cmdutil.AuthError{Err: ErrNoToken},
		"To upload to Sentry, set SENTRY_AUTH_TOKEN (or --auth-token, .sentryclirc, 'snag login') with --org and --project.\n"+
			"For snag, start 'snag serve' (then run this again), or pass --local to write into the local database directly.")
	if !localServerRunning(ctx, hc, tgt.URL) {
		return nil, noServer
	}
	if _, err := os.Stat(tgt.dbPath); err != nil {
		return nil, cmdutil.WithHint(fmt.Errorf("a snag server is running at %s, but there is no local database at %s to take its API token from", tgt.URL, tgt.dbPath),
			"Pass the token the server printed on start with --auth-token and --url "+tgt.URL+" --org local, or point --db (SNAG_DB) at its database.")
	}
	// Read-only: the server owns the database and its journal.
	token, err := store.ReadAPIToken(ctx, tgt.dbPath)
	if err != nil {
		return nil, fmt.Errorf("the API token of %s: %w", tgt.dbPath, err)
	}
	return api.New(tgt.URL, token, api.WithHTTPClient(hc))
}

// localServerRunning reports whether snag serve answers at baseURL: its
// health check, from a server that names itself snag.
func localServerRunning(ctx context.Context, hc *http.Client, baseURL string) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/healthz", nil)
	if err != nil {
		return false
	}
	resp, err := hc.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<10))
	return resp.StatusCode == http.StatusOK && resp.Header.Get("Server") == "snag"
}

// storeLocally writes the bundle into the local database, indexed as the
// server indexes an uploaded one, unless every project has it already.
func storeLocally(ctx context.Context, opts *UploadOptions, tgt *uploadTarget, bundle []byte, rep *UploadReport) error {
	if rep.Release != "" {
		// What the web API would refuse, --local refuses too.
		if err := store.ValidateReleaseVersion(rep.Release); err != nil {
			return &cmdutil.FlagError{Err: fmt.Errorf("--release: %w", err)}
		}
	}
	st, err := cmdutil.OpenStore(ctx, tgt.dbPath, store.Options{Now: opts.Now})
	if err != nil {
		return err
	}
	defer st.Close()
	var ids []int64
	for _, slug := range tgt.Projects {
		p, err := st.ProjectBySlug(ctx, slug)
		if errors.Is(err, store.ErrNotFound) {
			var slugs []string
			if ps, err := st.Projects(ctx); err == nil {
				for _, p := range ps {
					slugs = append(slugs, p.Slug)
				}
			}
			return cmdutil.WithHint(fmt.Errorf("no project %q in the local database %s", slug, tgt.dbPath),
				"Its projects: "+strings.Join(slugs, ", ")+".")
		}
		if err != nil {
			return err
		}
		ids = append(ids, p.ID)
	}
	stored, err := st.ArtifactBundlesByChecksum(ctx, rep.Bundle.Checksum)
	if err != nil {
		return err
	}
	if storedIn(stored, ids, rep.Release, rep.Dist) {
		rep.Bundle.AlreadyUploaded, rep.Bundle.State = true, api.AssembleOK
		return nil
	}
	if _, err := server.StoreBundle(ctx, st, bundle, server.BundleDest{
		Checksum: rep.Bundle.Checksum, Projects: ids, Release: rep.Release, Dist: rep.Dist,
	}); err != nil {
		return err
	}
	rep.Bundle.State, rep.Bundle.ChunksUploaded = api.AssembleOK, rep.Bundle.Chunks
	return nil
}

// storedIn reports whether every project has this bundle already, indexed
// under the release and dist asked for (if any).
func storedIn(stored []store.StoredBundle, projects []int64, release, dist string) bool {
	for _, p := range projects {
		if !slices.ContainsFunc(stored, func(b store.StoredBundle) bool {
			return b.ProjectID == p && (release == "" || slices.Contains(b.Releases, [2]string{release, dist}))
		}) {
			return false
		}
	}
	return len(stored) > 0
}

func fileResults(set *sm.UploadSet) ([]UploadFileResult, []UploadSkipped) {
	files := make([]UploadFileResult, 0, len(set.Files))
	for _, f := range set.Files {
		files = append(files, UploadFileResult{
			Path: f.Path, URL: f.URL, Type: f.Type, DebugID: f.DebugID, DebugIDFrom: f.DebugIDFrom,
			Sourcemap: f.SourceMap, Map: f.Map, Size: len(f.Content), RewrittenSources: f.RewrittenSources,
		})
	}
	skipped := make([]UploadSkipped, 0, len(set.Skipped))
	for _, s := range set.Skipped {
		skipped = append(skipped, UploadSkipped{Path: s.Path, Reason: s.Reason})
	}
	return files, skipped
}

func validationSummary(r *sm.Report) *UploadValidation {
	v := &UploadValidation{Errors: r.Summary.Errors, Warnings: r.Summary.Warnings, Problems: []sm.Problem{}}
	for _, f := range r.Files {
		for _, p := range f.Problems {
			if p.Severity != sm.SeverityInfo {
				v.Problems = append(v.Problems, p)
			}
		}
	}
	return v
}

// validationFailed prints the errors and warnings (the JSON report, with
// --json) and fails without uploading.
func validationFailed(opts *UploadOptions, rep UploadReport, vrep *sm.Report) error {
	if opts.JSON {
		if err := cmdutil.WriteJSON(opts.IO.Out, rep); err != nil {
			return err
		}
	} else {
		cs := opts.IO.ErrColorScheme()
		hinted := map[string]bool{}
		var b strings.Builder
		for _, f := range vrep.Files {
			var ps []sm.Problem
			for _, p := range f.Problems {
				if p.Severity != sm.SeverityInfo {
					ps = append(ps, p)
				}
			}
			if len(ps) == 0 {
				continue
			}
			b.WriteString(cs.Bold(f.Path) + "\n")
			for _, p := range ps {
				fmt.Fprintf(&b, "  %s %s %s\n", severityLabel(cs, p.Severity), p.Message, cs.Gray("["+code(p)+"]"))
				if p.Hint != "" && !hinted[p.Code] {
					hinted[p.Code] = true
					fmt.Fprintf(&b, "    %s %s\n", cs.Gray("hint:"), p.Hint)
				}
			}
		}
		io.WriteString(opts.IO.ErrOut, b.String())
	}
	return cmdutil.WithHint(fmt.Errorf("validation found %s and %s: nothing was uploaded",
		plural(vrep.Summary.Errors, "error"), plural(vrep.Summary.Warnings, "warning")),
		"Fix the files (the hints above say how), or pass --no-validate to upload them anyway.")
}

// writeUploadText prints the files in sections, as sentry-cli's upload
// report does: minified sources and sourcemaps with URL, debug ID and
// sourcemap, then what was skipped and why.
func writeUploadText(w io.Writer, cs *iostreams.ColorScheme, rep UploadReport) error {
	width := 0
	for _, f := range rep.Files {
		width = max(width, min(len(f.URL), 72))
	}
	rw := reportWriter{cs: cs}
	section := rw.section
	row := func(f UploadFileResult) string {
		id := f.DebugID
		if id == "" {
			id = fmt.Sprintf("%-36s", "(no debug ID)")
		}
		var notes []string
		if f.Sourcemap != "" {
			notes = append(notes, "sourcemap "+f.Sourcemap)
		} else if f.Map == "inline" {
			notes = append(notes, "inline sourcemap")
		} else if f.Type == sm.BundleMinifiedSource {
			notes = append(notes, "no sourcemap")
		}
		if f.DebugIDFrom != "" {
			notes = append(notes, "debug ID from "+f.DebugIDFrom)
		}
		if f.RewrittenSources > 0 {
			notes = append(notes, plural(f.RewrittenSources, "source")+" renamed")
		}
		line := fmt.Sprintf("%-*s  %s", width, f.URL, id)
		if len(notes) > 0 {
			line += "  " + cs.Gray(strings.Join(notes, ", "))
		}
		return strings.TrimRight(line, " ")
	}
	var minified, maps, skipped []string
	for _, f := range rep.Files {
		if f.Type == sm.BundleSourceMap {
			maps = append(maps, row(f))
		} else {
			minified = append(minified, row(f))
		}
	}
	for _, s := range rep.Skipped {
		skipped = append(skipped, s.Path+": "+s.Reason)
	}
	section("Minified sources", minified)
	section("Sourcemaps", maps)
	section("Skipped", skipped)
	_, err := io.WriteString(w, rw.b.String())
	return err
}

// summarizeUpload says on stderr what happened, in a line or two.
func summarizeUpload(opts *UploadOptions, set *sm.UploadSet, rep UploadReport, took time.Duration) {
	cs := opts.IO.ErrColorScheme()
	out := opts.IO.ErrOut
	if v := rep.Validation; v != nil && v.Warnings > 0 {
		fmt.Fprintf(out, "%s Validation: %s (run 'snag sourcemaps validate %s' for details)\n", cs.WarningIcon(),
			plural(v.Warnings, "warning"), strings.Join(opts.Paths, " "))
	}
	if n := len(rep.Skipped); n > 0 {
		where := "listed above"
		if opts.JSON {
			where = "see .skipped"
		}
		fmt.Fprintf(out, "%s Skipped %s that cannot be uploaded (%s)\n", cs.WarningIcon(), plural(n, "file"), where)
	}
	if missing := set.MissingDebugIDs(); len(missing) > 0 {
		what := "matched by release and URL only"
		if rep.Release == "" {
			what = "without a release, no event can be matched to them"
		}
		fmt.Fprintf(out, "%s %s no debug ID (%s); run 'snag sourcemaps inject' first:\n", cs.WarningIcon(), pluralHave(len(missing), "JS file"), what)
		for i, f := range missing {
			if i == 5 {
				fmt.Fprintf(out, "    and %d more\n", len(missing)-i)
				break
			}
			fmt.Fprintf(out, "    %s\n", f.Path)
		}
	}
	b := rep.Bundle
	where := describeTarget(rep.Target)
	if rep.Target.Kind != targetLocalStore {
		where += " (" + rep.Target.Org + "/" + strings.Join(rep.Target.Projects, ",") + ")"
	}
	files := fmt.Sprintf("%s (%s, %s)", plural(len(rep.Files), "file"),
		plural(countResults(rep.Files, sm.BundleMinifiedSource), "minified source"), plural(countResults(rep.Files, sm.BundleSourceMap), "sourcemap"))
	var release string
	if rep.Release != "" {
		release = ", release " + rep.Release
		if rep.Dist != "" {
			release += " dist " + rep.Dist
		}
	}
	secs := fmt.Sprintf(" in %.1fs", took.Seconds())
	switch {
	case rep.DryRun:
		fmt.Fprintf(out, "%s Would upload %s as a %s bundle to %s%s (dry run: nothing was sent)\n", cs.SuccessIcon(), files, humanBytes(b.Size), where, release)
	case b.AlreadyUploaded:
		fmt.Fprintf(out, "%s Nothing to upload: %s already has this bundle of %s%s%s\n", cs.SuccessIcon(), where, files, release, secs)
	default:
		state := ""
		switch b.State {
		case api.AssembleOK:
		case api.AssembleCreated, api.AssembleAssembling:
			state = "; the server is still processing it (--wait waits)"
		}
		sent := ""
		if rep.Target.Kind != targetLocalStore && b.ChunksUploaded < b.Chunks {
			sent = fmt.Sprintf(", %d of %d chunks sent", b.ChunksUploaded, b.Chunks)
		}
		fmt.Fprintf(out, "%s Uploaded %s as a %s bundle%s to %s%s%s%s\n", cs.SuccessIcon(), files, humanBytes(b.Size), sent, where, release, secs, state)
	}
}

func countResults(files []UploadFileResult, typ string) int {
	n := 0
	for _, f := range files {
		if f.Type == typ {
			n++
		}
	}
	return n
}

func pluralHave(n int, what string) string {
	if n == 1 {
		return "1 " + what + " has"
	}
	return fmt.Sprintf("%d %ss have", n, what)
}
