-- 0001_init: the whole first schema of the local store.
--
-- Conventions: times are INTEGER unix milliseconds (UTC); JSON documents are
-- TEXT; event bodies are zstd-compressed JSON BLOBs. Counters on issues are
-- maintained by the writer and are never recomputed from stored events, so
-- retention can delete events without changing them.

CREATE TABLE projects (
    id            INTEGER PRIMARY KEY,
    slug          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    org_slug      TEXT    NOT NULL,
    platform      TEXT    NOT NULL DEFAULT '',
    created       INTEGER NOT NULL,
    next_short_id INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE project_keys (
    public_key TEXT    PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    label      TEXT    NOT NULL DEFAULT 'Default',
    created    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX project_keys_project ON project_keys(project_id);

CREATE TABLE api_tokens (
    token   TEXT    PRIMARY KEY,
    created INTEGER NOT NULL
) WITHOUT ROWID;

-- Named integer counters: 'version' (bumped by every write transaction, for
-- cheap polling) and 'events_stored' (rows in events, for the total cap).
CREATE TABLE counters (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters(name, value) VALUES ('version', 0), ('events_stored', 0);

-- Issues (Sentry's groups).
CREATE TABLE issues (
    id                 INTEGER PRIMARY KEY,
    project_id         INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    short_id           INTEGER NOT NULL,
    status             TEXT    NOT NULL DEFAULT 'unresolved'
                       CHECK (status IN ('unresolved', 'resolved', 'ignored')),
    substatus          TEXT    NOT NULL DEFAULT 'new',
    status_details     TEXT    NOT NULL DEFAULT '{}',
    resolved_at        INTEGER,
    resolved_release   TEXT,             -- events of this release do not regress a resolved issue
    ignore_until       INTEGER,          -- ms; an ignored issue seen after this is unignored
    ignore_until_count INTEGER,          -- times_seen at which an ignored issue is unignored
    first_seen         INTEGER NOT NULL,
    last_seen          INTEGER NOT NULL,
    times_seen         INTEGER NOT NULL DEFAULT 0,
    user_count         INTEGER NOT NULL DEFAULT 0,
    events_stored      INTEGER NOT NULL DEFAULT 0,
    level              TEXT    NOT NULL DEFAULT 'error',
    title              TEXT    NOT NULL DEFAULT '',
    culprit            TEXT    NOT NULL DEFAULT '',
    type               TEXT    NOT NULL DEFAULT 'default',
    metadata           TEXT    NOT NULL DEFAULT '{}',
    platform           TEXT    NOT NULL DEFAULT '',
    first_release      TEXT    NOT NULL DEFAULT '',
    last_release       TEXT    NOT NULL DEFAULT '',
    last_environment   TEXT    NOT NULL DEFAULT '',
    UNIQUE (project_id, short_id)
);
-- No sort indexes on issues: every batch changes last_seen, times_seen and
-- user_count of the issues it touches, and a local database has at most tens
-- of thousands of issues, which SQLite sorts in milliseconds.

-- Grouping hashes: each hash belongs to exactly one issue of its project.
CREATE TABLE group_hashes (
    project_id INTEGER NOT NULL,
    hash       TEXT    NOT NULL,
    issue_id   INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, hash)
) WITHOUT ROWID;
CREATE INDEX group_hashes_issue ON group_hashes(issue_id);

-- Events. Tags are stored on the row (a JSON array of [key, value] pairs,
-- capped per event) rather than as one row per tag: row count dominates
-- SQLite write cost, and per-issue search uses issue_tag_values instead.
-- body stays the last column so listing queries do not walk its overflow pages.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  INTEGER NOT NULL,
    issue_id    INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    event_id    TEXT    NOT NULL,
    timestamp   INTEGER NOT NULL,
    received    INTEGER NOT NULL,
    level       TEXT    NOT NULL DEFAULT '',
    release     TEXT    NOT NULL DEFAULT '',
    dist        TEXT    NOT NULL DEFAULT '',
    environment TEXT    NOT NULL DEFAULT '',
    platform    TEXT    NOT NULL DEFAULT '',
    type        TEXT    NOT NULL DEFAULT '',
    title       TEXT    NOT NULL DEFAULT '',
    message     TEXT    NOT NULL DEFAULT '',
    user_key    TEXT    NOT NULL DEFAULT '',
    txn         TEXT    NOT NULL DEFAULT '',
    tags        TEXT    NOT NULL DEFAULT '[]',
    hashes      TEXT    NOT NULL DEFAULT '[]',
    body_size   INTEGER NOT NULL DEFAULT 0,
    body        BLOB,
    UNIQUE (project_id, event_id)
);
CREATE INDEX events_issue ON events(issue_id, id);

-- Events per issue per hour (hour = unix seconds / 3600, by event timestamp).
CREATE TABLE issue_hourly (
    issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    hour     INTEGER NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (issue_id, hour)
) WITHOUT ROWID;

-- How often each tag value was seen on an issue's events ("top tag values").
CREATE TABLE issue_tag_values (
    issue_id   INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    key        TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    count      INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    PRIMARY KEY (issue_id, key, value)
) WITHOUT ROWID;

-- Distinct users per issue: a 64-bit hash of the user key, so that
-- issues.user_count stays exact without keeping the key itself.
CREATE TABLE issue_users (
    issue_id  INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    user_hash INTEGER NOT NULL,
    PRIMARY KEY (issue_id, user_hash)
) WITHOUT ROWID;

CREATE TABLE attachments (
    id              INTEGER PRIMARY KEY,
    event_row       INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    content_type    TEXT    NOT NULL DEFAULT '',
    attachment_type TEXT    NOT NULL DEFAULT 'event.attachment',
    size            INTEGER NOT NULL,
    data            BLOB
);
CREATE INDEX attachments_event ON attachments(event_row);

-- User feedback (user_report items and feedback events). The event may arrive
-- before or after its feedback, so event_id is not a foreign key.
CREATE TABLE user_feedback (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    event_id   TEXT    NOT NULL DEFAULT '',
    issue_id   INTEGER REFERENCES issues(id) ON DELETE SET NULL,
    name       TEXT    NOT NULL DEFAULT '',
    email      TEXT    NOT NULL DEFAULT '',
    comments   TEXT    NOT NULL DEFAULT '',
    created    INTEGER NOT NULL
);
CREATE INDEX user_feedback_event ON user_feedback(project_id, event_id);
CREATE INDEX user_feedback_issue ON user_feedback(issue_id);

-- Artifact bundles (sourcemap uploads): the bundle blob, and an index of what
-- it holds by debug ID and by release + dist + URL.
CREATE TABLE artifact_bundles (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    bundle_id  TEXT    NOT NULL,
    checksum   TEXT    NOT NULL DEFAULT '',
    created    INTEGER NOT NULL,
    size       INTEGER NOT NULL,
    data       BLOB    NOT NULL,
    UNIQUE (project_id, bundle_id)
);

CREATE TABLE artifact_index (
    bundle   INTEGER NOT NULL REFERENCES artifact_bundles(id) ON DELETE CASCADE,
    debug_id TEXT    NOT NULL DEFAULT '',
    url      TEXT    NOT NULL DEFAULT '',
    release  TEXT    NOT NULL DEFAULT '',
    dist     TEXT    NOT NULL DEFAULT '',
    type     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX artifact_index_bundle  ON artifact_index(bundle);
CREATE INDEX artifact_index_debug   ON artifact_index(debug_id) WHERE debug_id <> '';
CREATE INDEX artifact_index_release ON artifact_index(release, dist, url) WHERE release <> '';
