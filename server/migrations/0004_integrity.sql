-- Sổ Học Tập server schema, version 4 (frozen once released: never edit): integrity and abuse
-- resistance — the server verifies, never trusts, what a device sends. Portable SQL (SQLite and
-- PostgreSQL), as version 1.

-- A member is never deleted by what a device sends. An explicit removal (`admin roster
-- remove-member`, or an applied removal proposal) marks it removed: its assessments keep their
-- subject, and devices no longer receive it.
ALTER TABLE members ADD COLUMN removed_at TEXT;

-- Roster changes a device sent (never applied silently: `pending` proposals for staff, except a
-- member the server did not hold, added and recorded as `applied`) and explicit removals by
-- staff. Values are JSON text. `dedup_key` (household, member, kind, field, held value, sent
-- value) records a proposal once, whatever its state, so a copy sent again adds nothing.
CREATE TABLE roster_changes (
    id           TEXT PRIMARY KEY,
    dedup_key    TEXT NOT NULL UNIQUE,
    household_id TEXT NOT NULL,
    member_id    TEXT,
    kind         TEXT NOT NULL CHECK (kind IN ('household_field', 'member_field',
                     'member_added', 'member_removal', 'member_move')),
    field        TEXT,
    old_value    TEXT,
    new_value    TEXT,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'applied', 'dismissed')),
    device_id    TEXT,
    created_at   TEXT NOT NULL,
    decided_at   TEXT,
    decided_by   TEXT,
    note         TEXT
);
CREATE INDEX roster_changes_state ON roster_changes (state, created_at);
CREATE INDEX roster_changes_household ON roster_changes (household_id);

-- The devices that proved they hold a complete blob (they uploaded every byte of it, or an
-- assessment of theirs names it): a device learns whether a blob exists only for these, so no
-- device learns whether another hamlet's photo is on the server. Filled from the evidence of
-- stored assessments.
CREATE TABLE blob_holders (
    sha256     TEXT NOT NULL,
    device_id  TEXT NOT NULL REFERENCES devices (id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (sha256, device_id)
);
INSERT INTO blob_holders (sha256, device_id, created_at)
SELECT e.sha256, a.device_id, MIN(a.received_at)
FROM assessment_evidence e JOIN assessments a ON a.id = e.assessment_id
GROUP BY e.sha256, a.device_id;
