-- Requests per version and minute, rolled up by the request log writer as it stores rows,
-- so that request rate and latency over time (monitoring, the dashboard) read a few rows by
-- key instead of scanning request_log. Every replica adds its own counts to the same row.
-- le_N counts requests that took at most N microseconds and more than the bound before
-- (le_inf: longer than 5 s): a histogram, not cumulative.
CREATE TABLE request_minutes (
    model_id       INTEGER NOT NULL REFERENCES models (id),
    minute         TIMESTAMP NOT NULL,
    requests       INTEGER NOT NULL,
    errors         INTEGER NOT NULL,
    latency_us_sum INTEGER NOT NULL,
    le_50          INTEGER NOT NULL DEFAULT 0,
    le_100         INTEGER NOT NULL DEFAULT 0,
    le_200         INTEGER NOT NULL DEFAULT 0,
    le_300         INTEGER NOT NULL DEFAULT 0,
    le_500         INTEGER NOT NULL DEFAULT 0,
    le_750         INTEGER NOT NULL DEFAULT 0,
    le_1000        INTEGER NOT NULL DEFAULT 0,
    le_1500        INTEGER NOT NULL DEFAULT 0,
    le_2000        INTEGER NOT NULL DEFAULT 0,
    le_3000        INTEGER NOT NULL DEFAULT 0,
    le_5000        INTEGER NOT NULL DEFAULT 0,
    le_7500        INTEGER NOT NULL DEFAULT 0,
    le_10000       INTEGER NOT NULL DEFAULT 0,
    le_20000       INTEGER NOT NULL DEFAULT 0,
    le_50000       INTEGER NOT NULL DEFAULT 0,
    le_100000      INTEGER NOT NULL DEFAULT 0,
    le_250000      INTEGER NOT NULL DEFAULT 0,
    le_500000      INTEGER NOT NULL DEFAULT 0,
    le_1000000     INTEGER NOT NULL DEFAULT 0,
    le_5000000     INTEGER NOT NULL DEFAULT 0,
    le_inf         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (model_id, minute)
);
