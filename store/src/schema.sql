-- The latest schema, used to create a fresh database in one step. Upgrades go through
-- migrations/NNNN_*.sql; a test checks that an upgraded database equals a fresh one.
-- Keep this file and the migrations in step.
-- Two-tier administrative units since 1 July 2025: province -> commune -> hamlet.
CREATE TABLE province (
    code TEXT PRIMARY KEY,                 -- official code, Quyết định 19/2025/QĐ-TTg
    name TEXT NOT NULL
) STRICT;

CREATE TABLE commune (
    code TEXT PRIMARY KEY,                 -- official code
    province_code TEXT NOT NULL REFERENCES province(code),
    name TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'xa' CHECK (kind IN ('xa', 'phuong', 'dac_khu')),
    legacy_district_code TEXT,             -- pre-July-2025 records
    legacy_commune_code TEXT,
    center_lat REAL,                       -- where the commune is (evidence plausibility)
    center_lon REAL,
    radius_km REAL
) STRICT;

CREATE TABLE hamlet (
    id TEXT PRIMARY KEY,                   -- UUIDv7; hamlets have no official code
    commune_code TEXT REFERENCES commune(code),
    local_code TEXT,                       -- the commune's own id for the hamlet
    name TEXT NOT NULL,
    name_fold TEXT NOT NULL,
    sort_key BLOB NOT NULL,
    kind TEXT NOT NULL DEFAULT 'thon' CHECK (kind IN ('thon', 'to_dan_pho')),
    legacy_commune_code TEXT,
    created_at TEXT NOT NULL,
    created_offset INTEGER NOT NULL,
    server_known INTEGER NOT NULL DEFAULT 0,
    removed_at TEXT,                       -- merged into the server's hamlet
    center_lat REAL,                       -- where the hamlet is (from the server)
    center_lon REAL,
    radius_km REAL,
    UNIQUE (commune_code, name)
) STRICT;

CREATE TABLE household (
    id TEXT PRIMARY KEY,
    hamlet_id TEXT NOT NULL REFERENCES hamlet(id),
    head_name TEXT NOT NULL,
    sort_key BLOB NOT NULL,                -- Vietnamese name collation of head_name
    search_fold TEXT NOT NULL,             -- folded head, address, phone and member names
    address TEXT,
    phone TEXT,
    roster_code TEXT,                      -- the household's code on the commune roster
    legacy_code TEXT,                      -- code in pre-July-2025 records
    created_at TEXT NOT NULL,
    created_offset INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    server_known INTEGER NOT NULL DEFAULT 0,
    removed_at TEXT,
    server_id TEXT,                        -- the server's id when the device keeps its own
    name_fold TEXT                         -- folded head, code, member names (default search)
) STRICT;
CREATE INDEX household_hamlet_sort ON household (hamlet_id, sort_key);
-- Covering index for the list of all households in name order (id breaks ties), without the
-- removed ones.
CREATE INDEX household_list ON household (sort_key, id, head_name, address, phone, hamlet_id, roster_code)
    WHERE removed_at IS NULL;
CREATE UNIQUE INDEX household_roster_code ON household (hamlet_id, roster_code) WHERE roster_code IS NOT NULL;
CREATE UNIQUE INDEX household_server_id ON household (server_id) WHERE server_id IS NOT NULL;
CREATE INDEX household_roster_code_any ON household (roster_code) WHERE roster_code IS NOT NULL;

CREATE TABLE member (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES household(id),
    name TEXT NOT NULL,
    sort_key BLOB NOT NULL,
    birth_year INTEGER,
    sex TEXT CHECK (sex IN ('male', 'female', 'other')),
    relation TEXT,                         -- to the head: chủ hộ, vợ, con, …
    schooling TEXT CHECK (schooling IN ('preschool', 'in_school', 'out_of_school', 'finished', 'never')),
    literate INTEGER CHECK (literate IN (0, 1)),
    cdht INTEGER CHECK (cdht IN (0, 1)),   -- recognised Công dân học tập
    cdht_group TEXT,                       -- assessment-form group (nhóm đối tượng)
    unable_to_learn INTEGER NOT NULL DEFAULT 0 CHECK (unable_to_learn IN (0, 1)),
    created_at TEXT NOT NULL,
    created_offset INTEGER NOT NULL,
    removed_at TEXT,
    updated_at TEXT
) STRICT;
CREATE INDEX member_household ON member (household_id);

CREATE TABLE clan (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_fold TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_offset INTEGER NOT NULL,
    server_known INTEGER NOT NULL DEFAULT 0,
    removed_at TEXT,
    updated_at TEXT
) STRICT;

CREATE TABLE clan_household (
    clan_id TEXT NOT NULL REFERENCES clan(id),
    household_id TEXT NOT NULL REFERENCES household(id),
    PRIMARY KEY (clan_id, household_id)
) STRICT;

CREATE TABLE unit (
    id TEXT PRIMARY KEY,                   -- đơn vị: school, office, enterprise
    commune_code TEXT REFERENCES commune(code),
    hamlet_id TEXT REFERENCES hamlet(id),
    name TEXT NOT NULL,
    name_fold TEXT NOT NULL,
    kind TEXT,
    created_at TEXT NOT NULL,
    created_offset INTEGER NOT NULL,
    server_known INTEGER NOT NULL DEFAULT 0,
    removed_at TEXT,
    updated_at TEXT
) STRICT;

CREATE TABLE registration (
    id TEXT PRIMARY KEY,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('household', 'clan', 'hamlet', 'unit', 'member')),
    subject_id TEXT NOT NULL,
    model TEXT NOT NULL CHECK (model IN ('gia_dinh', 'dong_ho', 'cong_dong', 'don_vi', 'cong_dan')),
    year INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_offset INTEGER NOT NULL,
    UNIQUE (subject_kind, subject_id, model, year)
) STRICT;

CREATE TABLE assessment (
    id TEXT PRIMARY KEY,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('household', 'clan', 'hamlet', 'unit', 'member')),
    subject_id TEXT NOT NULL,
    model TEXT NOT NULL CHECK (model IN ('gia_dinh', 'dong_ho', 'cong_dong', 'don_vi', 'cong_dan')),
    year INTEGER NOT NULL,
    criteria_id TEXT NOT NULL,
    criteria_version INTEGER NOT NULL,
    criteria_sha256 TEXT NOT NULL,
    parent_id TEXT REFERENCES assessment(id),   -- a correction points to what it corrects
    revision INTEGER NOT NULL DEFAULT 1,
    state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'finalized')),
    result_status TEXT CHECK (result_status IN ('passed', 'failed', 'incomplete')),
    total INTEGER,                          -- hundredths of a point
    content TEXT,                           -- canonical JSON, frozen at finalization
    content_sha256 TEXT,
    created_at TEXT NOT NULL,
    created_offset INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    finalized_at TEXT,
    finalized_offset INTEGER,
    sync_state TEXT NOT NULL DEFAULT 'local'
        CHECK (sync_state IN ('local', 'queued', 'sending', 'sent', 'needs_correction', 'wedged')),
    sync_detail TEXT,
    sync_attempts INTEGER NOT NULL DEFAULT 0,
    sync_next_at TEXT,
    sent_at TEXT,
    server_status TEXT,
    server_total INTEGER,
    server_comment TEXT,
    CHECK (state = 'draft' OR (content IS NOT NULL AND content_sha256 IS NOT NULL AND finalized_at IS NOT NULL))
) STRICT;
CREATE INDEX assessment_sync ON assessment (sync_state);
CREATE INDEX assessment_subject ON assessment (subject_kind, subject_id, year);
CREATE UNIQUE INDEX assessment_one_child ON assessment (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE answer (
    assessment_id TEXT NOT NULL REFERENCES assessment(id) ON DELETE CASCADE,
    item_id TEXT NOT NULL,
    value INTEGER,                          -- hundredths of a point; yes = 1 / no = 0 for yes/no
    note TEXT,
    override_reason TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (assessment_id, item_id)
) STRICT, WITHOUT ROWID;

-- A finalized assessment is immutable: its answers and content cannot change, and it is never
-- deleted.
CREATE TRIGGER answer_frozen_insert BEFORE INSERT ON answer
WHEN (SELECT state FROM assessment WHERE id = NEW.assessment_id) = 'finalized'
BEGIN SELECT RAISE(ABORT, 'assessment is finalized'); END;

CREATE TRIGGER answer_frozen_update BEFORE UPDATE ON answer
WHEN (SELECT state FROM assessment WHERE id = OLD.assessment_id) = 'finalized'
BEGIN SELECT RAISE(ABORT, 'assessment is finalized'); END;

CREATE TRIGGER answer_frozen_delete BEFORE DELETE ON answer
WHEN (SELECT state FROM assessment WHERE id = OLD.assessment_id) = 'finalized'
BEGIN SELECT RAISE(ABORT, 'assessment is finalized'); END;

CREATE TRIGGER assessment_frozen_update BEFORE UPDATE ON assessment
WHEN OLD.state = 'finalized' AND (
    NEW.state IS NOT OLD.state OR NEW.content IS NOT OLD.content
    OR NEW.content_sha256 IS NOT OLD.content_sha256 OR NEW.total IS NOT OLD.total
    OR NEW.result_status IS NOT OLD.result_status OR NEW.subject_id IS NOT OLD.subject_id
    OR NEW.criteria_sha256 IS NOT OLD.criteria_sha256 OR NEW.finalized_at IS NOT OLD.finalized_at)
BEGIN SELECT RAISE(ABORT, 'assessment is finalized'); END;

CREATE TRIGGER assessment_never_deleted BEFORE DELETE ON assessment
WHEN OLD.state = 'finalized'
BEGIN SELECT RAISE(ABORT, 'finalized assessments are never deleted'); END;

-- Criteria sets installed on this device (published by the server or loaded from a file);
-- the sets built into the core are used when none is installed.
CREATE TABLE criteria_set (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    model TEXT NOT NULL,
    source TEXT NOT NULL,                   -- the TOML text
    installed_at TEXT NOT NULL,
    PRIMARY KEY (id, version)
) STRICT;

CREATE TABLE setting (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

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

-- The phone app's own state, kept across process death (navigation stack, open assessment, a
-- photo capture in flight, preferences). Never synced; `hoctap-app` owns keys and JSON values.
CREATE TABLE ui_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
