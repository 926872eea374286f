package api

import (
	"context"
	"iter"
	"net/url"
)

// OrganizationsPage returns one page of the organizations the token can see.
func (c *Client) OrganizationsPage(ctx context.Context, opts ListOptions) (*Page[Organization], error) {
	return getPage[Organization](ctx, c, "/organizations/", opts.apply(nil, "per_page"))
}

// Organizations iterates over the organizations the token can see. An
// organization token sees only its own.
func (c *Client) Organizations(ctx context.Context, opts ListOptions) iter.Seq2[Organization, error] {
	return paginate[Organization](ctx, c, "/organizations/", opts.apply(nil, "per_page"), opts.MaxPages)
}

func projectsPath(org string) string { return "/organizations/" + pathEscape(org) + "/projects/" }

// ProjectsPage returns one page of an organization's projects.
func (c *Client) ProjectsPage(ctx context.Context, org string, opts ListOptions) (*Page[Project], error) {
	return getPage[Project](ctx, c, projectsPath(org), opts.apply(nil, "per_page"))
}

// Projects iterates over an organization's projects.
func (c *Client) Projects(ctx context.Context, org string, opts ListOptions) iter.Seq2[Project, error] {
	return paginate[Project](ctx, c, projectsPath(org), opts.apply(nil, "per_page"), opts.MaxPages)
}

func keysPath(org, project string) string {
	return "/projects/" + pathEscape(org) + "/" + pathEscape(project) + "/keys/"
}

// keysQuery adds the status filter: "active", "inactive", or "" for both.
func keysQuery(status string, opts ListOptions) url.Values {
	q := opts.apply(nil, "per_page")
	if status != "" {
		q.Set("status", status)
	}
	return q
}

// ProjectKeysPage returns one page of a project's client keys (DSNs);
// status is "active", "inactive" or "" for all.
func (c *Client) ProjectKeysPage(ctx context.Context, org, project, status string, opts ListOptions) (*Page[ProjectKey], error) {
	return getPage[ProjectKey](ctx, c, keysPath(org, project), keysQuery(status, opts))
}

// ProjectKeys iterates over a project's client keys (DSNs); status is
// "active", "inactive" or "" for all.
func (c *Client) ProjectKeys(ctx context.Context, org, project, status string, opts ListOptions) iter.Seq2[ProjectKey, error] {
	return paginate[ProjectKey](ctx, c, keysPath(org, project), keysQuery(status, opts), opts.MaxPages)
}
