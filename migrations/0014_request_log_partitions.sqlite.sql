-- Postgres partitions request_log by day (retention drops whole days). SQLite keeps one
-- table: retention deletes old rows in small batches through the B-tree on received_at,
-- which it already has. Nothing to change here.
SELECT 1;
