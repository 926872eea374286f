package sourcemaps

import "fmt"

// Open maps the file at path into memory (read-only mmap on unix, a plain
// read elsewhere) and parses it. Mapping the file instead of reading it
// avoids a fresh heap buffer the size of the map: on VMs where first-touch
// page faults are slow that buffer alone costs more than the whole decode.
// The Map refers to the file's pages until Close, which the caller must
// call once the Map, its SourceContent and any lookups are no longer needed.
func Open(path string) (*Map, error) {
	data, release, err := mapFile(path)
	if err != nil {
		return nil, fmt.Errorf("open source map: %w", err)
	}
	m, err := Parse(data)
	if err != nil {
		if release != nil {
			_ = release()
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m.release = release
	return m, nil
}
