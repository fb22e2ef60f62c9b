-- Sổ Học Tập server schema, version 2 (frozen: never edit): clans and units, the review trail,
-- corrections linked to their parent, and device-created households aliased to the roster.
-- Portable SQL (SQLite and PostgreSQL), as version 1.

-- Clans (dòng họ): a name and the households of the clan, possibly across hamlets. A device may
-- assess a clan only when its hamlets cover every hamlet of the clan's households.
CREATE TABLE clans (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    origin     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    seq        BIGINT NOT NULL
);
CREATE INDEX clans_seq ON clans (seq);
CREATE INDEX clans_name_key ON clans (name_key);

-- `household_id` is deliberately not a foreign key: a clan created on a device may name
-- households the server has not received yet; they count (scope, listings) once they arrive.
CREATE TABLE clan_households (
    clan_id      TEXT NOT NULL REFERENCES clans (id),
    household_id TEXT NOT NULL,
    PRIMARY KEY (clan_id, household_id)
);
CREATE INDEX clan_households_household ON clan_households (household_id);

-- Units (đơn vị học tập): schools, offices, enterprises; in a hamlet, or at commune level
-- (`hamlet_id` NULL).
CREATE TABLE units (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('school', 'office', 'enterprise', 'other')),
    hamlet_id    TEXT REFERENCES hamlets (id),
    commune_code TEXT,
    origin       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    seq          BIGINT NOT NULL
);
CREATE INDEX units_seq ON units (seq);
CREATE INDEX units_hamlet ON units (hamlet_id);

-- A household a device created before it had the roster, found to be one the hamlet already
-- holds (same roster code, or same head ignoring case and diacritics): the device's id
-- resolves to the held household everywhere; likewise its members matched by name.
CREATE TABLE household_aliases (
    alias_id     TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households (id),
    device_id    TEXT NOT NULL REFERENCES devices (id),
    created_at   TEXT NOT NULL
);
CREATE INDEX household_aliases_household ON household_aliases (household_id);

-- `member_id` is not a foreign key: a device may later replace the members of a household it
-- created, and an alias that no longer resolves only makes its subject unknown.
CREATE TABLE member_aliases (
    alias_id   TEXT PRIMARY KEY,
    member_id  TEXT NOT NULL,
    device_id  TEXT NOT NULL REFERENCES devices (id),
    created_at TEXT NOT NULL
);

-- Assessments, rebuilt (the portable way to relax a NOT NULL): `hamlet_id` is NULL for a clan
-- and for a commune-level unit; `parent_id` and `revision` come from the content (a correction
-- names its parent, which need not be held: the device may never have sent it; at most one
-- correction per parent); the single review comment moves to `assessment_returns`.
CREATE TABLE assessments_v2 (
    id               TEXT PRIMARY KEY,
    device_id        TEXT NOT NULL REFERENCES devices (id),
    subject_kind     TEXT NOT NULL,
    subject_id       TEXT NOT NULL,
    hamlet_id        TEXT REFERENCES hamlets (id),
    model            TEXT NOT NULL,
    year             BIGINT NOT NULL,
    criteria_id      TEXT NOT NULL,
    criteria_version BIGINT NOT NULL,
    criteria_sha256  TEXT NOT NULL,
    content          TEXT NOT NULL,
    content_sha256   TEXT NOT NULL,
    device_status    TEXT NOT NULL,
    device_total     BIGINT NOT NULL,
    server_status    TEXT,
    server_total     BIGINT,
    mismatch         BIGINT NOT NULL,
    evidence_count   BIGINT NOT NULL,
    review_state     TEXT NOT NULL DEFAULT 'received'
                     CHECK (review_state IN ('received', 'returned', 'accepted')),
    parent_id        TEXT,
    revision         BIGINT NOT NULL DEFAULT 1,
    received_at      TEXT NOT NULL
);
INSERT INTO assessments_v2 (id, device_id, subject_kind, subject_id, hamlet_id, model, year,
    criteria_id, criteria_version, criteria_sha256, content, content_sha256, device_status,
    device_total, server_status, server_total, mismatch, evidence_count, review_state,
    received_at)
SELECT id, device_id, subject_kind, subject_id, hamlet_id, model, year, criteria_id,
    criteria_version, criteria_sha256, content, content_sha256, device_status, device_total,
    server_status, server_total, mismatch, evidence_count, review_state, received_at
FROM assessments;

CREATE TABLE assessment_evidence_v2 (
    assessment_id TEXT NOT NULL REFERENCES assessments_v2 (id),
    sha256        TEXT NOT NULL,
    PRIMARY KEY (assessment_id, sha256)
);
INSERT INTO assessment_evidence_v2 (assessment_id, sha256)
SELECT assessment_id, sha256 FROM assessment_evidence;

-- The review trail: one row per return, never overwritten, each with its own change number
-- (sent to the device that uploaded the assessment). A return made before this version keeps
-- its change number and takes the assessment's id as its own.
CREATE TABLE assessment_returns (
    id            TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments_v2 (id),
    device_id     TEXT NOT NULL REFERENCES devices (id),
    comment       TEXT NOT NULL,
    reviewer      TEXT,
    returned_at   TEXT NOT NULL,
    seq           BIGINT NOT NULL
);
INSERT INTO assessment_returns (id, assessment_id, device_id, comment, reviewer, returned_at,
    seq)
SELECT id, id, device_id, COALESCE(review_comment, ''), reviewer,
    COALESCE(returned_at, received_at), returned_seq
FROM assessments WHERE returned_seq IS NOT NULL;

DROP TABLE assessment_evidence;
DROP TABLE assessments;
ALTER TABLE assessments_v2 RENAME TO assessments;
ALTER TABLE assessment_evidence_v2 RENAME TO assessment_evidence;

CREATE UNIQUE INDEX assessments_parent ON assessments (parent_id);
CREATE INDEX assessments_subject ON assessments (subject_kind, subject_id, year);
CREATE INDEX assessment_returns_device_seq ON assessment_returns (device_id, seq);
CREATE INDEX assessment_returns_assessment ON assessment_returns (assessment_id);
