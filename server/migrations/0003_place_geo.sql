-- Sổ Học Tập server schema, version 3 (frozen: never edit): evidence plausibility. Portable SQL
-- (SQLite and PostgreSQL), as version 1.

-- Where a hamlet is: a centre (WGS 84 decimal degrees) and a radius in km, set by the commune
-- admin (`admin hamlet add|set --lat --lon --radius-km`); all three or none. Sent to devices
-- with the hamlet; photos taken far from it are flagged, never refused.
ALTER TABLE hamlets ADD COLUMN center_lat DOUBLE PRECISION;
ALTER TABLE hamlets ADD COLUMN center_lon DOUBLE PRECISION;
ALTER TABLE hamlets ADD COLUMN radius_km DOUBLE PRECISION;

-- What a device reported of each evidence photo of an assessment (outside its hashed content):
-- capture time as the camera wrote it, GPS, and when the photo was attached (RFC 3339 with the
-- device's offset). The reviewer's flags are computed from these when listed.
CREATE TABLE assessment_photo_facts (
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    sha256        TEXT NOT NULL,
    taken_at      TEXT,
    gps_lat       DOUBLE PRECISION,
    gps_lon       DOUBLE PRECISION,
    attached_at   TEXT,
    PRIMARY KEY (assessment_id, sha256)
);
