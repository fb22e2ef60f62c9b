-- Sổ Học Tập server schema, version 1. Portable SQL: the same text runs on SQLite and
-- PostgreSQL (TEXT ids, BIGINT numbers and 0/1 flags, no backend-specific types).

-- Change counter for incremental sync: every roster, criteria or review change takes the next
-- value inside its transaction (the row lock orders commits, so a cursor never skips a change).
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('seq', 0);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE hamlets (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('thon', 'to_dan_pho')),
    commune_code TEXT,
    created_at   TEXT NOT NULL,
    seq          BIGINT NOT NULL
);
CREATE INDEX hamlets_seq ON hamlets (seq);

CREATE TABLE households (
    id          TEXT PRIMARY KEY,
    hamlet_id   TEXT NOT NULL REFERENCES hamlets (id),
    head        TEXT NOT NULL,
    address     TEXT,
    phone       TEXT,
    roster_code TEXT,
    origin      TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    seq         BIGINT NOT NULL
);
CREATE INDEX households_hamlet_seq ON households (hamlet_id, seq);
CREATE UNIQUE INDEX households_roster_code ON households (hamlet_id, roster_code);

CREATE TABLE members (
    id              TEXT PRIMARY KEY,
    household_id    TEXT NOT NULL REFERENCES households (id),
    position        BIGINT NOT NULL,
    name            TEXT NOT NULL,
    birth_year      BIGINT,
    sex             TEXT,
    relation        TEXT,
    schooling       TEXT,
    literate        BIGINT,
    cdht            BIGINT,
    cdht_group      TEXT,
    unable_to_learn BIGINT NOT NULL DEFAULT 0,
    seq             BIGINT NOT NULL
);
CREATE INDEX members_household ON members (household_id, position);
CREATE INDEX members_seq ON members (seq);

CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL CHECK (role IN ('reviewer', 'admin')),
    created_at TEXT NOT NULL
);

CREATE TABLE enroll_codes (
    code_sha256 TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    device_id   TEXT
);

CREATE TABLE enroll_code_hamlets (
    code_sha256 TEXT NOT NULL REFERENCES enroll_codes (code_sha256),
    hamlet_id   TEXT NOT NULL REFERENCES hamlets (id),
    PRIMARY KEY (code_sha256, hamlet_id)
);

CREATE TABLE devices (
    id                TEXT PRIMARY KEY,
    token_sha256      TEXT NOT NULL UNIQUE,
    name              TEXT,
    app_version       TEXT,
    enrolled_at       TEXT NOT NULL,
    revoked_at        TEXT,
    last_seen_at      TEXT,
    last_heartbeat_at TEXT,
    device_time       TEXT,
    queue_length      BIGINT,
    free_bytes        BIGINT,
    last_sync         TEXT
);

CREATE TABLE device_hamlets (
    device_id TEXT NOT NULL REFERENCES devices (id),
    hamlet_id TEXT NOT NULL REFERENCES hamlets (id),
    PRIMARY KEY (device_id, hamlet_id)
);

CREATE TABLE criteria_sets (
    id           TEXT NOT NULL,
    version      BIGINT NOT NULL,
    sha256       TEXT NOT NULL UNIQUE,
    model        TEXT NOT NULL,
    title        TEXT NOT NULL,
    source       TEXT NOT NULL,
    published_at TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE INDEX criteria_sets_seq ON criteria_sets (seq);

CREATE TABLE assessments (
    id               TEXT PRIMARY KEY,
    device_id        TEXT NOT NULL REFERENCES devices (id),
    subject_kind     TEXT NOT NULL,
    subject_id       TEXT NOT NULL,
    hamlet_id        TEXT NOT NULL REFERENCES hamlets (id),
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
    review_comment   TEXT,
    reviewer         TEXT,
    returned_at      TEXT,
    returned_seq     BIGINT,
    received_at      TEXT NOT NULL
);
CREATE INDEX assessments_device_returned ON assessments (device_id, returned_seq);

CREATE TABLE assessment_evidence (
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    sha256        TEXT NOT NULL,
    PRIMARY KEY (assessment_id, sha256)
);

CREATE TABLE blobs (
    sha256       TEXT PRIMARY KEY,
    bytes        BIGINT NOT NULL,
    complete     BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    completed_at TEXT
);

CREATE TABLE batches (
    batch_uuid     TEXT PRIMARY KEY,
    device_id      TEXT NOT NULL REFERENCES devices (id),
    request_sha256 TEXT NOT NULL,
    response       TEXT NOT NULL,
    received_at    TEXT NOT NULL
);
