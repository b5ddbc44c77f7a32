-- Canary and shadow traffic per model name (POST /models/traffic): requests that name no
-- version are routed by weight among versions; shadow versions score the same rows and are
-- logged, never answered. Assigning production clears a name's split.
CREATE TABLE traffic_splits (
    name       TEXT PRIMARY KEY,
    weights    TEXT NOT NULL,
    shadow     TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
