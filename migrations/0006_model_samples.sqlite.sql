-- The training rows a version answers "similar samples" from (`similar:` in its spec): the
-- match, nearest and shown columns only, column by column as JSON, one row per version.
CREATE TABLE model_samples (
    model_id  INTEGER PRIMARY KEY REFERENCES models (id),
    spec      TEXT NOT NULL,
    data      TEXT NOT NULL,
    row_count INTEGER NOT NULL CHECK (row_count >= 0)
);
