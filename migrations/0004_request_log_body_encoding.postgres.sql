-- Bodies that are not UTF-8 text without NUL (Postgres text cannot hold a NUL byte, and
-- decoding invalid sequences would alter them) are stored as base64; these columns say so
-- (NULL: the body is stored as sent). Without them one such request failed its whole COPY
-- batch and sent the writer to its journal.
ALTER TABLE request_log ADD COLUMN request_body_encoding TEXT;
ALTER TABLE request_log ADD COLUMN response_body_encoding TEXT;
