package server

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/snag-dev/snag/local/store"
	"github.com/snag-dev/snag/sourcemaps"
)

// Reading an uploaded artifact bundle. Everything in it is untrusted: entry
// paths must be plain relative paths, the manifest must describe entries
// that exist, and every entry is decompressed once, under caps, so a bundle
// that would explode or fail its CRC is refused at upload rather than when
// an event needs it.

// errBadBundle marks a bundle that is malformed, as opposed to a failure to
// read or store it.
var errBadBundle = errors.New("the bundle is invalid")

// readBundle checks a bundle (sourcemaps.ReadBundle: entry paths, declared
// sizes, manifest) and decompresses every file once under the caps, then
// returns its manifest and the index entries its files give (with the
// manifest's release and dist, which the caller may override).
func readBundle(data []byte, lim sourcemaps.BundleLimits) (*sourcemaps.BundleManifest, []store.ArtifactEntry, error) {
	b, err := sourcemaps.ReadBundle(data, lim)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errBadBundle, err)
	}
	if len(b.Manifest.Files) == 0 {
		return nil, nil, fmt.Errorf("%w: manifest.json lists no files", errBadBundle)
	}
	if err := drainAll(b, b.Entries()); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errBadBundle, err)
	}
	return &b.Manifest, store.ArtifactEntriesOf(b), nil
}

// drainAll drains every file, on as many cores as there are: a bundle of
// 100 MB of maps decompresses in a fraction of the time on one. The error
// is the first file's in entry order, so it does not depend on scheduling.
func drainAll(b *sourcemaps.BundleArchive, files []sourcemaps.BundleEntry) error {
	errs := make([]error, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for i := range next {
				errs[i] = drain(b, files[i].Name)
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// drain reads one file to its end: the ZIP reader checks its CRC and size
// there, and the archive caps what a lying header could make it produce.
func drain(b *sourcemaps.BundleArchive, name string) error {
	rc, err := b.Open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(io.Discard, rc)
	return err
}

// BundleDest says where StoreBundle puts a bundle.
type BundleDest struct {
	// Checksum is the SHA-1 of the bundle as uploaded; empty computes it.
	Checksum string
	// Projects are project ids; the bundle is stored once in each.
	Projects []int64
	// Release and Dist index the bundle's files by release; empty takes
	// them from the manifest.
	Release, Dist string
	// Limits cap what the bundle may hold; zero fields take the defaults.
	Limits sourcemaps.BundleLimits
}

// StoredBundleInfo is what StoreBundle stored.
type StoredBundleInfo struct {
	BundleID string // the manifest's debug_id, or one derived from the checksum
	Checksum string
	Release  string
	Dist     string
	Files    int
}

// BundleRefusedError is a bundle StoreBundle refuses (malformed, or neither
// debug IDs nor a release to find its files by), with Sentry's message.
type BundleRefusedError struct{ Detail string }

func (e *BundleRefusedError) Error() string { return e.Detail }

// StoreBundle checks an artifact bundle and stores it in each project with
// the index ingest unminifies from (debug ID, release + dist + URL), as the
// web API does once a bundle is assembled; `snag sourcemaps upload --local`
// calls it with no server running. A bundle with the same id in a project
// is replaced.
func StoreBundle(ctx context.Context, st *store.Store, data []byte, to BundleDest) (*StoredBundleInfo, error) {
	if len(to.Projects) == 0 {
		return nil, &BundleRefusedError{Detail: "uploading an artifact bundle without a project is prohibited"}
	}
	m, entries, err := readBundle(data, to.Limits)
	if errors.Is(err, errBadBundle) {
		return nil, &BundleRefusedError{Detail: err.Error()}
	}
	if err != nil {
		return nil, err
	}
	checksum := strings.ToLower(to.Checksum)
	if checksum == "" {
		sum := sha1.Sum(data)
		checksum = hex.EncodeToString(sum[:])
	}
	release, dist := m.Release, m.Dist
	if to.Release != "" {
		release, dist = to.Release, to.Dist
	}
	hasDebugIDs := false
	for i := range entries {
		entries[i].Release, entries[i].Dist = release, dist
		if entries[i].DebugID != "" {
			hasDebugIDs = true
		}
	}
	if !hasDebugIDs && release == "" {
		return nil, &BundleRefusedError{Detail: "uploading a bundle without debug ids or release is prohibited"}
	}
	bundleID := m.DebugID
	if bundleID == "" {
		// As Sentry does, an id from the checksum.
		c := checksum
		bundleID = c[:8] + "-" + c[8:12] + "-" + c[12:16] + "-" + c[16:20] + "-" + c[20:32]
	}
	for _, p := range to.Projects {
		if _, err := st.InsertArtifactBundle(ctx, store.ArtifactBundle{
			ProjectID: p, BundleID: bundleID, Checksum: checksum, Data: data,
		}, entries); err != nil {
			return nil, fmt.Errorf("storing bundle %s in project %d: %w", bundleID, p, err)
		}
	}
	return &StoredBundleInfo{BundleID: bundleID, Checksum: checksum, Release: release, Dist: dist, Files: len(entries)}, nil
}
