-- Postgres drops the request log's foreign key and compares request ids byte-wise here.
-- SQLite needs neither: its key check is a primary-key probe in the same file (about 0.2 µs
-- a row), and its text comparison is already byte-wise. The number stays in step.
SELECT 1;
