-- The registry schema (DESIGN.md), SQLite flavour: the same tables and constraints as the
-- Postgres file, with SQLite's types. Timestamps are ISO 8601 UTC text (they sort as text);
-- JSON documents are TEXT.

CREATE TABLE models (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL CHECK (name <> ''),
    version          INTEGER NOT NULL CHECK (version > 0),
    kind             TEXT NOT NULL,
    hyperparameters  TEXT NOT NULL DEFAULT '{}',
    metrics          TEXT NOT NULL DEFAULT '{}',
    feature_schema   TEXT NOT NULL DEFAULT '{}',
    training_query   TEXT,
    row_count        INTEGER CHECK (row_count >= 0),
    data_fingerprint TEXT,
    artifact         TEXT NOT NULL,
    training_seconds REAL,
    created_at       TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (name, version)
);
CREATE INDEX models_created_at_idx ON models (created_at DESC);

CREATE TABLE production_model (
    name        TEXT PRIMARY KEY,
    model_id    INTEGER NOT NULL REFERENCES models (id),
    assigned_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE model_assignments (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    from_model_id INTEGER REFERENCES models (id),
    to_model_id   INTEGER NOT NULL REFERENCES models (id),
    assigned_at   TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    assigned_by   TEXT NOT NULL
);
CREATE INDEX model_assignments_name_idx ON model_assignments (name, id DESC);

CREATE TABLE training_runs (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    source          TEXT NOT NULL,
    hyperparameters TEXT NOT NULL DEFAULT '{}',
    status          TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    started_at      TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at     TIMESTAMP,
    model_id        INTEGER REFERENCES models (id),
    error           TEXT
);
CREATE INDEX training_runs_name_idx ON training_runs (name, started_at DESC);

CREATE TABLE training_checkpoints (
    run_id       INTEGER NOT NULL REFERENCES training_runs (id) ON DELETE CASCADE,
    page         INTEGER NOT NULL CHECK (page >= 0),
    rows_seen    INTEGER NOT NULL CHECK (rows_seen >= 0),
    coefficients TEXT NOT NULL,
    metrics      TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (run_id, page)
);

CREATE TABLE request_log (
    id             INTEGER PRIMARY KEY,
    request_id     TEXT NOT NULL UNIQUE,
    received_at    TIMESTAMP NOT NULL,
    method         TEXT NOT NULL,
    path           TEXT NOT NULL,
    status         INTEGER NOT NULL,
    latency_us     INTEGER NOT NULL CHECK (latency_us >= 0),
    model_id       INTEGER REFERENCES models (id),
    request_body   TEXT,
    response_body  TEXT,
    client_address TEXT
);
CREATE INDEX request_log_received_at_idx ON request_log (received_at);
CREATE INDEX request_log_model_id_idx ON request_log (model_id, received_at);
