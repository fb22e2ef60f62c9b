-- Sổ Học Tập server schema, version 7 (frozen once released: never edit): what the back
-- office's rarer queue filters and its cached figures need at a province's size (measured on
-- a generated province of 1,000,000 assessments, scripts/bench-backoffice). Portable SQL
-- (SQLite and PostgreSQL), as version 1.

-- Evidence photos of an assessment held complete on the server, kept with the row (at intake
-- and when a photo's upload completes) instead of counted per row on every queue page and
-- export line.
ALTER TABLE assessments ADD COLUMN evidence_present BIGINT NOT NULL DEFAULT 0;
UPDATE assessments SET evidence_present = (
    SELECT COUNT(*) FROM assessment_evidence e JOIN blobs b ON b.sha256 = e.sha256
    WHERE e.assessment_id = assessments.id AND b.complete = 1)
WHERE evidence_count > 0;
CREATE INDEX assessment_evidence_sha256 ON assessment_evidence (sha256);

-- The subject's name and roster code as the queue, its search and the exports show them, kept
-- with the row by the step that folds them into `search_key` (at intake, and again when staff
-- apply a roster change or rename a clan or unit): a queue page or an export line reads no
-- roster table (an export of a province read ~22,000 rows/s through seven joins).
ALTER TABLE assessments ADD COLUMN subject_name TEXT;
ALTER TABLE assessments ADD COLUMN roster_code TEXT;
UPDATE assessments SET
    subject_name = CASE subject_kind
        WHEN 'member' THEN (SELECT m.name FROM members m WHERE m.id = assessments.subject_id)
        WHEN 'hamlet' THEN (SELECT t.name FROM hamlets t WHERE t.id = assessments.subject_id)
        WHEN 'clan' THEN (SELECT c.name FROM clans c WHERE c.id = assessments.subject_id)
        WHEN 'unit' THEN (SELECT u.name FROM units u WHERE u.id = assessments.subject_id)
        ELSE (SELECT h.head FROM households h WHERE h.id = assessments.subject_id) END,
    roster_code = CASE subject_kind
        WHEN 'household' THEN (SELECT h.roster_code FROM households h
            WHERE h.id = assessments.subject_id)
        WHEN 'member' THEN (SELECT h.roster_code FROM members m
            JOIN households h ON h.id = m.household_id WHERE m.id = assessments.subject_id)
        END;

-- The rare queue filters (missing photos, score mismatch, flagged photos, corrections): each
-- reads its own small index instead of walking the whole province's order to find 50 rows.
CREATE INDEX assessments_missing ON assessments (received_at, id)
    WHERE evidence_present < evidence_count;
CREATE INDEX assessments_mismatch ON assessments (received_at, id) WHERE mismatch = 1;
CREATE INDEX assessments_flagged ON assessments (received_at, id) WHERE photo_flags > 0;
CREATE INDEX assessments_corrected ON assessments (received_at, id) WHERE revision > 1;

-- Two more change counters. `figures`: taken by every write the dashboard's figures read that
-- the roster's `seq` does not see (assessments received, superseded, approved or returned);
-- with `seq` it is the version the kept figures are checked against. `queue`: taken when a
-- photo's upload completes (it changes only the queue's missing-photo counts); the three are
-- the version of the kept queue counts.
INSERT INTO counters (name, value) VALUES ('figures', 0), ('queue', 0);
