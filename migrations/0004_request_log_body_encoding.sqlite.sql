-- Bodies that are not UTF-8 text without NUL are stored as base64; these columns say so
-- (NULL: the body is stored as sent), the same on both backends.
ALTER TABLE request_log ADD COLUMN request_body_encoding TEXT;
ALTER TABLE request_log ADD COLUMN response_body_encoding TEXT;
