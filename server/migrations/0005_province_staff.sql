-- Sổ Học Tập server schema, version 5 (frozen: never edit): one server for a whole province,
-- staff accounts and sessions, targets as data, approvals and an audit trail.
-- Portable SQL (SQLite and PostgreSQL), as version 1.

-- Every place belongs to its commune. A server of versions 1–4 served one commune, kept in
-- settings: its rows without a commune take that one.
UPDATE hamlets SET commune_code = (SELECT value FROM settings WHERE key = 'commune')
WHERE commune_code IS NULL;
-- Hamlet names are unique within their commune (two communes may both have "Thôn 1"): the
-- lookup key carries the commune code.
UPDATE hamlets SET name_key = COALESCE(commune_code, '') || '|' || name_key;
CREATE INDEX hamlets_commune ON hamlets (commune_code);
UPDATE units SET commune_code = (SELECT value FROM settings WHERE key = 'commune')
WHERE commune_code IS NULL;
ALTER TABLE clans ADD COLUMN commune_code TEXT;
UPDATE clans SET commune_code = (SELECT value FROM settings WHERE key = 'commune');
ALTER TABLE devices ADD COLUMN commune_code TEXT;
UPDATE devices SET commune_code = (SELECT value FROM settings WHERE key = 'commune');

-- Each assessment is kept with its commune, so every staff query is scoped by an index.
ALTER TABLE assessments ADD COLUMN commune_code TEXT;
UPDATE assessments SET commune_code = COALESCE(
    (SELECT t.commune_code FROM hamlets t WHERE t.id = assessments.hamlet_id),
    (SELECT value FROM settings WHERE key = 'commune'));
-- Approval (review_state 'accepted'): who decided and when.
ALTER TABLE assessments ADD COLUMN decided_by TEXT;
ALTER TABLE assessments ADD COLUMN decided_at TEXT;
-- The subject's name and roster code, folded (no case, no diacritics), for the review queue's
-- search; and how many evidence photos the plausibility rules flag (filled as batches arrive;
-- rows of earlier versions are filled when the server opens).
ALTER TABLE assessments ADD COLUMN search_key TEXT;
ALTER TABLE assessments ADD COLUMN photo_flags BIGINT NOT NULL DEFAULT 0;
-- A correction supersedes its parent (1): only the latest revision counts in reports.
ALTER TABLE assessments ADD COLUMN superseded BIGINT NOT NULL DEFAULT 0;
UPDATE assessments SET superseded = 1
WHERE id IN (SELECT parent_id FROM assessments WHERE parent_id IS NOT NULL);
-- Scored with a template set (1): a practice result, never counted as passed. Earlier rows are
-- told by their set's id.
ALTER TABLE assessments ADD COLUMN practice BIGINT NOT NULL DEFAULT 0;
UPDATE assessments SET practice = 1 WHERE criteria_id LIKE 'template-%';
CREATE INDEX assessments_queue ON assessments (commune_code, year, model, review_state, received_at);
CREATE INDEX assessments_year_model ON assessments (year, model, commune_code);
CREATE INDEX assessments_scope_received ON assessments (commune_code, received_at);
CREATE INDEX assessments_hamlet ON assessments (hamlet_id);

-- Staff of the province or of a commune: the web app's accounts. The password is an argon2id
-- PHC string; NULL until set (`admin user password`). Users of versions 1–4 had no password:
-- they are kept as commune staff of the served commune and must be given one.
CREATE TABLE staff (
    id            TEXT PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT,
    role          TEXT NOT NULL CHECK (role IN ('province_admin', 'province_viewer',
                      'commune_admin', 'commune_reviewer')),
    province_code TEXT NOT NULL,
    commune_code  TEXT,
    created_at    TEXT NOT NULL,
    created_by    TEXT,
    disabled_at   TEXT
);
INSERT INTO staff (id, login, display_name, role, province_code, commune_code, created_at)
SELECT id, name, name, CASE role WHEN 'admin' THEN 'commune_admin' ELSE 'commune_reviewer' END,
    COALESCE((SELECT value FROM settings WHERE key = 'province'), ''),
    (SELECT value FROM settings WHERE key = 'commune'), created_at
FROM users;

-- A signed-in browser: the cookie holds a random token, only its SHA-256 is kept. Each session
-- has its own CSRF token, sent back in every form.
CREATE TABLE staff_sessions (
    token_sha256 TEXT PRIMARY KEY,
    staff_id     TEXT NOT NULL REFERENCES staff (id),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

-- Targets as data: the share of subjects to be recognised, per province (commune_code '') or
-- commune, model, population ('' or, for Công dân học tập, 'workers' / 'officials') and the
-- year the target is due. Tenths of a percent.
CREATE TABLE targets (
    province_code  TEXT NOT NULL,
    commune_code   TEXT NOT NULL,
    model          TEXT NOT NULL,
    population     TEXT NOT NULL,
    due_year       BIGINT NOT NULL,
    percent_tenths BIGINT NOT NULL CHECK (percent_tenths BETWEEN 0 AND 1000),
    source         TEXT NOT NULL,
    PRIMARY KEY (province_code, commune_code, model, population, due_year)
);

-- Who did what in the web app and the admin commands: never updated, never deleted.
CREATE TABLE audit_log (
    id        TEXT PRIMARY KEY,
    at        TEXT NOT NULL,
    staff_id  TEXT,
    action    TEXT NOT NULL,
    object_id TEXT,
    detail    TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
