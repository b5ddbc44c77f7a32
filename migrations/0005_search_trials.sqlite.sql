-- Every trial of a hyperparameter search: the set tried, its validation score and state,
-- kept whether or not it became a version (`modelserve models trials NAME`).
CREATE TABLE search_trials (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    run_id      TEXT NOT NULL,
    number      INTEGER NOT NULL CHECK (number >= 0),
    sampler     TEXT NOT NULL,
    parameters  TEXT NOT NULL,
    metric      TEXT NOT NULL,
    score       REAL,
    state       TEXT NOT NULL,
    seconds     REAL NOT NULL,
    model_id    INTEGER REFERENCES models (id),
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (run_id, number)
);
CREATE INDEX search_trials_name_idx ON search_trials (name, created_at);
