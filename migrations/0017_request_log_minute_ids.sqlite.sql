-- SQLite's request_log loses its index on received_at: keeping it up cost the writer ~2,000
-- instructions a row (an eighth of what SQLite spends storing one). Time windows are found
-- through the rowid instead: for every minute, ids that bound the rows received in it (the
-- ids of the batches that stored them), kept by the writer in the transaction that stores
-- them. A row received at or after T has an id at least the smallest of the minutes from
-- T's on, and one received before T at most the largest of the minutes up to T's, whatever
-- order rows arrive in (a journal replayed after an outage stores old rows after new ones).
CREATE TABLE request_log_minute_ids (
    minute   TEXT PRIMARY KEY,
    first_id INTEGER NOT NULL,
    last_id  INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO request_log_minute_ids (minute, first_id, last_id)
SELECT substr(received_at, 1, 16), MIN(id), MAX(id) FROM request_log GROUP BY 1;
DROP INDEX IF EXISTS request_log_received_at_idx;
