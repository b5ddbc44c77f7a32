-- Ground truth for logged predictions (POST /feedback), one row per request and row (a
-- batch /predict's rows are request_id#index; a single prediction is row 0). The version
-- and what it predicted are copied from request_log when the label arrives, so monitoring
-- reads this table alone, by version and time.
CREATE TABLE feedback (
    request_id   TEXT NOT NULL,
    row_index    INTEGER NOT NULL CHECK (row_index >= 0),
    model_id     BIGINT NOT NULL REFERENCES models (id),
    predicted    DOUBLE PRECISION NOT NULL,
    actual       DOUBLE PRECISION NOT NULL,
    predicted_at TIMESTAMPTZ NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (request_id, row_index)
);
CREATE INDEX feedback_model_idx ON feedback (model_id, predicted_at);
