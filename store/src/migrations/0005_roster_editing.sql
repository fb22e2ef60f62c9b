-- Schema version 5 (frozen: never edit): roster rows removed softly and their history kept;
-- hamlets, households, clans and units matched to the server's roster; reviewers' comments
-- kept as a thread; where places are, for evidence plausibility.
ALTER TABLE hamlet ADD COLUMN server_known INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hamlet ADD COLUMN removed_at TEXT;          -- merged into the server's hamlet
ALTER TABLE hamlet ADD COLUMN center_lat REAL;           -- where the hamlet is (from the server)
ALTER TABLE hamlet ADD COLUMN center_lon REAL;
ALTER TABLE hamlet ADD COLUMN radius_km REAL;

ALTER TABLE commune ADD COLUMN center_lat REAL;
ALTER TABLE commune ADD COLUMN center_lon REAL;
ALTER TABLE commune ADD COLUMN radius_km REAL;

ALTER TABLE household ADD COLUMN removed_at TEXT;
-- The server's id of this household when the device keeps its own id (finalized assessments
-- name the device's id and never change).
ALTER TABLE household ADD COLUMN server_id TEXT;
-- Folded head, code and member names (what a search matches by default); the address is
-- matched only when asked (`search_fold` keeps head, address, phone and members).
ALTER TABLE household ADD COLUMN name_fold TEXT;
CREATE UNIQUE INDEX household_server_id ON household (server_id) WHERE server_id IS NOT NULL;
CREATE INDEX household_roster_code_any ON household (roster_code) WHERE roster_code IS NOT NULL;

ALTER TABLE member ADD COLUMN removed_at TEXT;
ALTER TABLE member ADD COLUMN updated_at TEXT;

ALTER TABLE clan ADD COLUMN server_known INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clan ADD COLUMN removed_at TEXT;
ALTER TABLE clan ADD COLUMN updated_at TEXT;

ALTER TABLE unit ADD COLUMN server_known INTEGER NOT NULL DEFAULT 0;
ALTER TABLE unit ADD COLUMN removed_at TEXT;
ALTER TABLE unit ADD COLUMN updated_at TEXT;

-- Every edit, move and removal of a roster row, with the row before and after (JSON).
CREATE TABLE roster_change (
    id INTEGER PRIMARY KEY,
    entity TEXT NOT NULL CHECK (entity IN ('hamlet', 'household', 'member', 'clan', 'unit')),
    entity_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('add', 'edit', 'move', 'remove', 'restore', 'merge')),
    before TEXT,
    after TEXT,
    at TEXT NOT NULL,
    at_offset INTEGER NOT NULL
) STRICT;
CREATE INDEX roster_change_entity ON roster_change (entity, entity_id, id);

-- Reviewers' comments on an assessment, as a thread: one row per return, never overwritten.
CREATE TABLE assessment_comment (
    id TEXT PRIMARY KEY,                     -- the server's id of the return
    assessment_id TEXT NOT NULL REFERENCES assessment(id),
    author TEXT,
    body TEXT NOT NULL,
    at TEXT NOT NULL
) STRICT;
CREATE INDEX assessment_comment_assessment ON assessment_comment (assessment_id, at);

-- The list of everyone in name order reads only rows that are not removed, and shows codes.
DROP INDEX household_list;
CREATE INDEX household_list ON household (sort_key, id, head_name, address, phone, hamlet_id, roster_code)
    WHERE removed_at IS NULL;
