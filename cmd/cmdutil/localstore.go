package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	"github.com/snag-dev/snag/local/store"
)

// OpenStore opens (creating when needed) the local database at path. Its
// directory is made private: the database holds the DSN key and API token.
func OpenStore(ctx context.Context, path string, opts store.Options) (*store.Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("local database: %w", err)
	}
	st, err := store.Open(ctx, path, opts)
	if errors.Is(err, store.ErrSchemaTooNew) {
		return nil, WithHint(err, "This database was written by a newer snag: upgrade snag, or use another database with --db or SNAG_DB.")
	}
	if err != nil {
		return nil, fmt.Errorf("local database %s: %w", path, err)
	}
	return st, nil
}

// LocalDSN is the DSN of a project on a snag server listening on addr. An
// unspecified host (":8969", "0.0.0.0") becomes 127.0.0.1, which is how
// a client on this machine reaches it.
func LocalDSN(addr, publicKey string, projectID int64) string {
	return "http://" + publicKey + "@" + ClientHost(addr) + "/" + strconv.FormatInt(projectID, 10)
}

// LocalURL is the base URL of a snag server listening on addr.
func LocalURL(addr string) string { return (&url.URL{Scheme: "http", Host: ClientHost(addr)}).String() }

// ClientHost is addr as a client dials it.
func ClientHost(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
