-- Online training runs, reshaped for ingest (the 0001 tables were never written): a run
-- follows one spec over one source and trains several models at once; its row holds where
-- it is (next page, and rows of it already learnt when it was short; rows, batches) and the models' state to resume from, and each batch
-- leaves one checkpoint with every model's terms and metrics, in the same transaction.
DROP TABLE training_checkpoints;
DROP TABLE training_runs;

CREATE TABLE training_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    spec        TEXT NOT NULL,
    source      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('running', 'stopped', 'completed', 'failed')),
    next_page   INTEGER NOT NULL DEFAULT 0 CHECK (next_page >= 0),
    page_offset INTEGER NOT NULL DEFAULT 0 CHECK (page_offset >= 0),
    rows_seen   INTEGER NOT NULL DEFAULT 0 CHECK (rows_seen >= 0),
    batches     INTEGER NOT NULL DEFAULT 0 CHECK (batches >= 0),
    state       TEXT,
    error       TEXT,
    started_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX training_runs_name_idx ON training_runs (name, id DESC);

CREATE TABLE training_checkpoints (
    run_id     INTEGER NOT NULL REFERENCES training_runs (id) ON DELETE CASCADE,
    batch      INTEGER NOT NULL CHECK (batch >= 1),
    first_page INTEGER NOT NULL CHECK (first_page >= 0),
    last_page  INTEGER NOT NULL CHECK (last_page >= first_page),
    rows_seen  INTEGER NOT NULL CHECK (rows_seen >= 0),
    models     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (run_id, batch)
);
