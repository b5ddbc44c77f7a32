-- The request log grows at request rate for as long as the service runs: partition it by day
-- (UTC) so that retention drops whole days (DROP TABLE, no vacuum debt) and time-range reads
-- touch only their days. The writer creates each day's partition ahead of time; a DEFAULT
-- partition catches any row no day holds (a clock far off), so an insert never fails for
-- want of one. Request ids stay indexed for lookups (feedback, /requests?request_id=); they
-- are unique by construction (a random per-process prefix and a counter), and the journal
-- replay checks before it inserts, since a partitioned table cannot hold a unique index
-- without its partition key. Existing rows move into their days.
ALTER TABLE request_log RENAME TO request_log_unpartitioned;
ALTER INDEX IF EXISTS request_log_received_at_brin RENAME TO request_log_unpartitioned_received_at_brin;
ALTER SEQUENCE request_log_id_seq OWNED BY NONE;
CREATE TABLE request_log (
    id                     BIGINT NOT NULL DEFAULT nextval('request_log_id_seq'),
    request_id             TEXT COLLATE "C" NOT NULL,
    received_at            TIMESTAMPTZ NOT NULL,
    method                 TEXT NOT NULL,
    path                   TEXT NOT NULL,
    status                 INTEGER NOT NULL,
    latency_us             BIGINT NOT NULL CHECK (latency_us >= 0),
    model_id               BIGINT,
    request_body           TEXT,
    response_body          TEXT,
    client_address         TEXT,
    request_body_encoding  TEXT,
    response_body_encoding TEXT,
    PRIMARY KEY (id, received_at)
) PARTITION BY RANGE (received_at);
ALTER SEQUENCE request_log_id_seq OWNED BY request_log.id;
CREATE TABLE request_log_default PARTITION OF request_log DEFAULT;
DO $$
DECLARE
    first_day date := COALESCE(
        (SELECT min(received_at AT TIME ZONE 'UTC')::date FROM request_log_unpartitioned),
        (now() AT TIME ZONE 'UTC')::date);
    day date;
BEGIN
    FOR day IN
        SELECT generate_series(first_day, (now() AT TIME ZONE 'UTC')::date + 2, interval '1 day')::date
    LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF request_log FOR VALUES FROM (%L) TO (%L)',
            'request_log_' || to_char(day, 'YYYYMMDD'),
            day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
    END LOOP;
END $$;
INSERT INTO request_log (
    id, request_id, received_at, method, path, status, latency_us, model_id, request_body, response_body,
    client_address, request_body_encoding, response_body_encoding)
SELECT id, request_id, received_at, method, path, status, latency_us, model_id, request_body, response_body,
       client_address, request_body_encoding, response_body_encoding
FROM request_log_unpartitioned;
DROP TABLE request_log_unpartitioned;
CREATE INDEX request_log_request_id_idx ON request_log (request_id);
CREATE INDEX request_log_received_at_brin ON request_log USING brin (received_at);
