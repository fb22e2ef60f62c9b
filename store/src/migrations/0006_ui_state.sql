-- Schema version 6 (frozen: never edit): the phone app's own state, kept across process death
-- (the navigation stack, the open assessment, a photo capture in flight, the cadre's
-- preferences). Never synced; `hoctap-app` owns the keys and the JSON values.
CREATE TABLE ui_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
