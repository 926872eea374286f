package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/ini.v1"
)

// SaveCredentials writes the token (and the server URL, when not empty) into
// the ini file at path, keeping everything else in it. The file holds a
// secret, so it is written 0600 in a 0700 directory, atomically.
func SaveCredentials(path, token, url string) error {
	if token == "" {
		return errors.New("config: no token to save")
	}
	file := ini.Empty()
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		if file, err = ini.LoadSources(ini.LoadOptions{Insensitive: true}, data); err != nil {
			return fmt.Errorf("config: %s: %w", path, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("config: %w", err)
	}
	file.Section("auth").Key("token").SetValue(token)
	if url != "" {
		file.Section("defaults").Key("url").SetValue(url)
	}
	var buf bytes.Buffer
	if _, err := file.WriteTo(&buf); err != nil {
		return fmt.Errorf("config: %w", err)
	}

	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".config-*.ini")
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("config: %w", err)
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("config: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}
