package sourcemaps

import (
	"io/fs"
	"os"
	"path/filepath"
)

// OSDir is a directory on disk as an fs.FS. Maps found in an OSDir are
// memory-mapped by the Unminifier instead of read into the heap.
type OSDir string

// Open implements fs.FS.
func (d OSDir) Open(name string) (fs.File, error) { return os.DirFS(string(d)).Open(name) }

// Path is the OS path of name inside the directory.
func (d OSDir) Path(name string) string { return filepath.Join(string(d), filepath.FromSlash(name)) }
