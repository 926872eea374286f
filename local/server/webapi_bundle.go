package server

import (
	"errors"
	"fmt"
	"io"
	"runtime"
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
