-- SQLite trades its index on received_at for per-minute id bounds. Postgres keeps its BRIN
-- index and day partitions, which cost its writer little: nothing to change here.
SELECT 1;
