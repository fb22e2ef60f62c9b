-- Schema version 4: enrollment-era sync. Per-assessment outbox bookkeeping (attempts, backoff,
-- the server's answer and a reviewer's comment), batches reused until the server answers them,
-- blobs the server confirmed, households the server knows, and a log of sync runs
-- (frozen: never edit).
ALTER TABLE assessment ADD COLUMN sync_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE assessment ADD COLUMN sync_next_at TEXT;
ALTER TABLE assessment ADD COLUMN sent_at TEXT;
ALTER TABLE assessment ADD COLUMN server_status TEXT;
ALTER TABLE assessment ADD COLUMN server_total INTEGER;
ALTER TABLE assessment ADD COLUMN server_comment TEXT;
CREATE INDEX assessment_sync ON assessment (sync_state);

ALTER TABLE household ADD COLUMN server_known INTEGER NOT NULL DEFAULT 0;

CREATE TABLE outbox_batch (
    id TEXT PRIMARY KEY,                    -- batch uuid, reused until the server answers
    body TEXT NOT NULL,                     -- the exact request body, replayed verbatim
    created_at TEXT NOT NULL,
    answered_at TEXT
) STRICT;

CREATE TABLE outbox_batch_item (
    batch_id TEXT NOT NULL REFERENCES outbox_batch(id),
    assessment_id TEXT NOT NULL REFERENCES assessment(id),
    content_sha256 TEXT NOT NULL,
    PRIMARY KEY (batch_id, assessment_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE blob_upload (
    sha256 TEXT PRIMARY KEY,                -- a photo the server holds, hash-verified
    confirmed_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE sync_run (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    outcome TEXT,                           -- done | partial | cancelled | offline | auth | failed
    detail TEXT,
    clock_skew_ms INTEGER,                  -- server time minus device time
    uploaded INTEGER NOT NULL DEFAULT 0,
    bytes_sent INTEGER NOT NULL DEFAULT 0
) STRICT;
