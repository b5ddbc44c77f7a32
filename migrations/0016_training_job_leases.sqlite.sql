-- A claimed job's lease: the worker that runs it renews the time while it trains, and a job
-- whose lease has run out is one whose worker died (killed, out of memory, its machine gone).
-- The next look at the queue marks it failed instead of leaving it running for ever. NULL
-- for jobs claimed before leases (their workers never renew): those are left as they are.
ALTER TABLE training_jobs ADD COLUMN lease_expires_at TIMESTAMP;
