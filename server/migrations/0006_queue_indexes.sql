-- Sổ Học Tập server schema, version 6 (frozen: never edit): indexes measured on a generated
-- province of 1,000,000 assessments (scripts/bench-backoffice).
-- The queue's orders and the exports' key paging, province-wide: read in index order, never
-- sorted whole.
CREATE INDEX assessments_received_id ON assessments (received_at, id);
CREATE INDEX assessments_name_order ON assessments ((COALESCE(search_key, '')), id);
CREATE INDEX assessments_score_order ON assessments ((COALESCE(server_total, -1)), id);
-- The report's counts: every column they read, so the count is an index-only scan.
CREATE INDEX assessments_report ON assessments (year, superseded, commune_code, model,
    subject_id, server_status, practice, review_state, hamlet_id);
