package api

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// NewRelease is the body of a release creation.
type NewRelease struct {
	Version  string   `json:"version"`
	Projects []string `json:"projects"` // slugs; at least one
	Ref      string   `json:"ref,omitempty"`
	URL      string   `json:"url,omitempty"`
	// DateReleased finalizes the release at creation.
	DateReleased *time.Time `json:"dateReleased,omitempty"`
}

func releasesPath(org string) string { return "/organizations/" + pathEscape(org) + "/releases/" }

// CreateRelease creates a release, or returns it if it exists: Sentry's
// endpoint is get-or-create, so sending it twice is harmless and it is
// retried like a GET.
func (c *Client) CreateRelease(ctx context.Context, org string, r NewRelease) (*Release, error) {
	if r.Version == "" {
		return nil, fmt.Errorf("creating a release: no version given")
	}
	if len(r.Projects) == 0 {
		return nil, fmt.Errorf("creating release %s: no project given", r.Version)
	}
	req, err := c.newRequest(http.MethodPost, releasesPath(org), nil).withJSON(r)
	if err != nil {
		return nil, err
	}
	req.retryable = true
	var out Release
	if _, err := c.send(ctx, req, &out); err != nil {
		return nil, fmt.Errorf("creating release %s: %w", r.Version, err)
	}
	return &out, nil
}

// FinalizeRelease marks a release as released at the given time (now if at
// is zero), which is what makes it "the latest release" for resolve-in-next.
func (c *Client) FinalizeRelease(ctx context.Context, org, version string, at time.Time) (*Release, error) {
	if at.IsZero() {
		at = time.Now()
	}
	body := struct {
		DateReleased time.Time `json:"dateReleased"`
	}{at.UTC()}
	req, err := c.newRequest(http.MethodPut, releasesPath(org)+pathEscape(version)+"/", nil).withJSON(body)
	if err != nil {
		return nil, err
	}
	var out Release
	if _, err := c.send(ctx, req, &out); err != nil {
		return nil, fmt.Errorf("finalizing release %s: %w", version, err)
	}
	return &out, nil
}
