-- SQLite's request log drops its foreign key to models, as Postgres did in 0003: checking it
-- opened a cursor on models and probed it for every row, ~740 instructions of the ~18,000
-- the writer spends storing one (measured with callgrind on a 100-row insert). The writer
-- logs only ids of models it has just served and the registry never deletes a model, so the
-- check guarded nothing. SQLite cannot drop a constraint in place: the table is rebuilt
-- with the same columns, the unique request id and the same ids (the minute bounds of 0017
-- refer to them), in this migration's transaction.
CREATE TABLE request_log_rebuilt (
    id                     INTEGER PRIMARY KEY,
    request_id             TEXT NOT NULL UNIQUE,
    received_at            TIMESTAMP NOT NULL,
    method                 TEXT NOT NULL,
    path                   TEXT NOT NULL,
    status                 INTEGER NOT NULL,
    latency_us             INTEGER NOT NULL CHECK (latency_us >= 0),
    model_id               INTEGER,
    request_body           TEXT,
    response_body          TEXT,
    client_address         TEXT,
    request_body_encoding  TEXT,
    response_body_encoding TEXT
);
INSERT INTO request_log_rebuilt (
    id, request_id, received_at, method, path, status, latency_us, model_id, request_body, response_body,
    client_address, request_body_encoding, response_body_encoding)
SELECT id, request_id, received_at, method, path, status, latency_us, model_id, request_body, response_body,
    client_address, request_body_encoding, response_body_encoding
FROM request_log ORDER BY id;
DROP TABLE request_log;
ALTER TABLE request_log_rebuilt RENAME TO request_log;
