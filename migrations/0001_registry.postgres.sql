-- The registry schema (DESIGN.md): model versions, the production pointer and its
-- history, online training runs and their checkpoints, and the request/response log.
-- JSON documents are JSONB so they can be queried; the artifact is TEXT so that its bytes
-- (and so its predictions) come back exactly as written.

CREATE TABLE models (
    id               BIGSERIAL PRIMARY KEY,
    name             TEXT NOT NULL CHECK (name <> ''),
    version          INTEGER NOT NULL CHECK (version > 0),
    kind             TEXT NOT NULL,
    hyperparameters  JSONB NOT NULL DEFAULT '{}',
    metrics          JSONB NOT NULL DEFAULT '{}',
    feature_schema   JSONB NOT NULL DEFAULT '{}',
    training_query   TEXT,
    row_count        BIGINT CHECK (row_count >= 0),
    data_fingerprint TEXT,
    artifact         TEXT NOT NULL,
    training_seconds DOUBLE PRECISION,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (name, version)
);
CREATE INDEX models_created_at_idx ON models (created_at DESC);

CREATE TABLE production_model (
    name        TEXT PRIMARY KEY,
    model_id    BIGINT NOT NULL REFERENCES models (id),
    assigned_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE model_assignments (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT NOT NULL,
    from_model_id BIGINT REFERENCES models (id),
    to_model_id   BIGINT NOT NULL REFERENCES models (id),
    assigned_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    assigned_by   TEXT NOT NULL
);
CREATE INDEX model_assignments_name_idx ON model_assignments (name, id DESC);

CREATE TABLE training_runs (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    source          TEXT NOT NULL,
    hyperparameters JSONB NOT NULL DEFAULT '{}',
    status          TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    started_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at     TIMESTAMPTZ,
    model_id        BIGINT REFERENCES models (id),
    error           TEXT
);
CREATE INDEX training_runs_name_idx ON training_runs (name, started_at DESC);

CREATE TABLE training_checkpoints (
    run_id       BIGINT NOT NULL REFERENCES training_runs (id) ON DELETE CASCADE,
    page         INTEGER NOT NULL CHECK (page >= 0),
    rows_seen    BIGINT NOT NULL CHECK (rows_seen >= 0),
    coefficients JSONB NOT NULL,
    metrics      JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, page)
);

CREATE TABLE request_log (
    id             BIGSERIAL PRIMARY KEY,
    request_id     TEXT NOT NULL UNIQUE,
    received_at    TIMESTAMPTZ NOT NULL,
    method         TEXT NOT NULL,
    path           TEXT NOT NULL,
    status         INTEGER NOT NULL,
    latency_us     BIGINT NOT NULL CHECK (latency_us >= 0),
    model_id       BIGINT REFERENCES models (id),
    request_body   TEXT,
    response_body  TEXT,
    client_address TEXT
);
CREATE INDEX request_log_received_at_idx ON request_log (received_at);
CREATE INDEX request_log_model_id_idx ON request_log (model_id, received_at);
