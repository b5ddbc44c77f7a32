-- The request log is written at request rate; the per-model index is paid on every request
-- and no query of ours uses it. (Postgres also swaps its time index for BRIN; SQLite keeps
-- its B-tree on received_at.)
DROP INDEX IF EXISTS request_log_model_id_idx;
