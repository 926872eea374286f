-- 0002_ingest_queue: the durable queue between acknowledging an event and
-- digesting it into events, issues and counters.
--
-- Each row is one acknowledged batch packed into a single blob (the store's
-- own encoding of the prepared events, bodies already zstd-compressed): SQLite's
-- write cost is dominated by rows and by the pages they touch, so a batch
-- appended as one row at the end of a rowid table costs a few consecutive
-- pages. The writer deletes a row in the same transaction that digests its
-- events, so after a crash the rows left are exactly the undigested events.
CREATE TABLE ingest_queue (
    id       INTEGER PRIMARY KEY,
    events   INTEGER NOT NULL,
    received INTEGER NOT NULL,
    data     BLOB    NOT NULL
);
