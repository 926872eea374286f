-- 0004_releases: releases for the web API (sentry-cli releases new/finalize,
-- snag's CreateRelease), and an index to find an uploaded artifact bundle by
-- its checksum, so that an unchanged re-upload is answered without chunks.

CREATE TABLE releases (
    id            INTEGER PRIMARY KEY,
    version       TEXT    NOT NULL UNIQUE,
    ref           TEXT    NOT NULL DEFAULT '',
    url           TEXT    NOT NULL DEFAULT '',
    created       INTEGER NOT NULL,
    date_started  INTEGER,
    date_released INTEGER           -- set by finalize; NULL while unreleased
);

CREATE TABLE release_projects (
    release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    PRIMARY KEY (release_id, project_id)
) WITHOUT ROWID;
CREATE INDEX release_projects_project ON release_projects(project_id);

CREATE INDEX artifact_bundles_checksum ON artifact_bundles(checksum);
