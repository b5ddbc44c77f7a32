-- Requests per version and minute, rolled up by the request log writer as it stores rows,
-- so that request rate and latency over time (monitoring, the dashboard) read a few rows by
-- key instead of scanning request_log. Every replica adds its own counts to the same row.
-- le_N counts requests that took at most N microseconds and more than the bound before
-- (le_inf: longer than 5 s): a histogram, not cumulative.
CREATE TABLE request_minutes (
    model_id       BIGINT NOT NULL REFERENCES models (id),
    minute         TIMESTAMPTZ NOT NULL,
    requests       BIGINT NOT NULL,
    errors         BIGINT NOT NULL,
    latency_us_sum BIGINT NOT NULL,
    le_50          BIGINT NOT NULL DEFAULT 0,
    le_100         BIGINT NOT NULL DEFAULT 0,
    le_200         BIGINT NOT NULL DEFAULT 0,
    le_300         BIGINT NOT NULL DEFAULT 0,
    le_500         BIGINT NOT NULL DEFAULT 0,
    le_750         BIGINT NOT NULL DEFAULT 0,
    le_1000        BIGINT NOT NULL DEFAULT 0,
    le_1500        BIGINT NOT NULL DEFAULT 0,
    le_2000        BIGINT NOT NULL DEFAULT 0,
    le_3000        BIGINT NOT NULL DEFAULT 0,
    le_5000        BIGINT NOT NULL DEFAULT 0,
    le_7500        BIGINT NOT NULL DEFAULT 0,
    le_10000       BIGINT NOT NULL DEFAULT 0,
    le_20000       BIGINT NOT NULL DEFAULT 0,
    le_50000       BIGINT NOT NULL DEFAULT 0,
    le_100000      BIGINT NOT NULL DEFAULT 0,
    le_250000      BIGINT NOT NULL DEFAULT 0,
    le_500000      BIGINT NOT NULL DEFAULT 0,
    le_1000000     BIGINT NOT NULL DEFAULT 0,
    le_5000000     BIGINT NOT NULL DEFAULT 0,
    le_inf         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (model_id, minute)
);
