-- Schema version 2: sync state of finalized assessments, and evidence photos linked to an
-- assessment's indicators (frozen: never edit).
ALTER TABLE assessment ADD COLUMN sync_state TEXT NOT NULL DEFAULT 'local'
    CHECK (sync_state IN ('local', 'queued', 'sending', 'sent', 'needs_correction', 'wedged'));
ALTER TABLE assessment ADD COLUMN sync_detail TEXT;

CREATE TABLE photo (
    sha256 TEXT PRIMARY KEY,                -- of the stored JPEG (content-addressed file)
    bytes INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    taken_at TEXT,                          -- capture time from EXIF, never kept in the file
    gps_lat REAL,
    gps_lon REAL,
    make TEXT,
    model TEXT,
    phash TEXT NOT NULL,                    -- 64-bit perceptual hash, hex
    source_sha256 TEXT,
    created_at TEXT NOT NULL,
    created_offset INTEGER NOT NULL
) STRICT;

CREATE TABLE evidence (
    assessment_id TEXT NOT NULL REFERENCES assessment(id),
    item_id TEXT NOT NULL,
    photo_sha256 TEXT NOT NULL REFERENCES photo(sha256),
    position INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (assessment_id, item_id, photo_sha256)
) STRICT, WITHOUT ROWID;
CREATE INDEX evidence_photo ON evidence (photo_sha256);

CREATE TRIGGER evidence_frozen_insert BEFORE INSERT ON evidence
WHEN (SELECT state FROM assessment WHERE id = NEW.assessment_id) = 'finalized'
BEGIN SELECT RAISE(ABORT, 'assessment is finalized'); END;

CREATE TRIGGER evidence_frozen_delete BEFORE DELETE ON evidence
WHEN (SELECT state FROM assessment WHERE id = OLD.assessment_id) = 'finalized'
BEGIN SELECT RAISE(ABORT, 'assessment is finalized'); END;
