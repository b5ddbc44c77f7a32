-- Profiles of query results (modelserve profile --save, POST /profiles, and every training
-- run's rows): per-column figures, duplicates, correlations, suspicious values, as JSON.
-- A version points at the profile of the rows it was trained from, and keeps its card: the
-- spec's description and intended use, and what cleaning did to the rows.
CREATE TABLE data_profiles (
    id         BIGSERIAL PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL,
    query      TEXT NOT NULL,
    target     TEXT,
    row_count  BIGINT NOT NULL,
    profile    JSONB NOT NULL
);
ALTER TABLE models ADD COLUMN data_profile_id BIGINT REFERENCES data_profiles (id);
ALTER TABLE models ADD COLUMN card JSONB;
