-- Training requested over HTTP (POST /models/train), queued for `modelserve worker` so that
-- no serving replica trains: the spec as sent, the promotion rule, who asked, and what came
-- of it (the versions registered, the promotion note, or the error).
CREATE TABLE training_jobs (
    id                BIGSERIAL PRIMARY KEY,
    spec              TEXT NOT NULL,
    promote           BOOLEAN NOT NULL DEFAULT FALSE,
    promote_if_better TEXT,
    requested_by      TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    worker            TEXT,
    created_at        TIMESTAMPTZ NOT NULL,
    started_at        TIMESTAMPTZ,
    finished_at       TIMESTAMPTZ,
    result            JSONB,
    error             TEXT
);
CREATE INDEX training_jobs_status_idx ON training_jobs (status, id);
