-- Every trial of a hyperparameter search: the set tried, its validation score and state,
-- kept whether or not it became a version (`modelserve models trials NAME`).
CREATE TABLE search_trials (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL,
    run_id      TEXT NOT NULL,
    number      INTEGER NOT NULL CHECK (number >= 0),
    sampler     TEXT NOT NULL,
    parameters  TEXT NOT NULL,
    metric      TEXT NOT NULL,
    score       DOUBLE PRECISION,
    state       TEXT NOT NULL,
    seconds     DOUBLE PRECISION NOT NULL,
    model_id    BIGINT REFERENCES models (id),
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (run_id, number)
);
CREATE INDEX search_trials_name_idx ON search_trials (name, created_at);
