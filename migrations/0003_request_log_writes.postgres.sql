-- The request log is an append-only audit trail written at request rate. Its foreign key to
-- models cost a trigger and an index probe per row: a third of the CPU the COPY backend spent
-- per logged request (measured with perf under bench/serve.sh). The writer only logs ids of
-- models it has just served, and the registry never deletes a model, so the check guarded
-- nothing. (SQLite keeps its key: there the check is a primary-key probe in the same file,
-- about 0.2 µs a row.)
ALTER TABLE request_log DROP CONSTRAINT IF EXISTS request_log_model_id_fkey;

-- Request ids are ASCII and only ever compared for equality: byte-wise order spares the
-- unique index the database collation's strcoll on every insert.
ALTER TABLE request_log ALTER COLUMN request_id TYPE TEXT COLLATE "C";
