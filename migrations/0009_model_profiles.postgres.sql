-- The profile of each version's training rows (per feature: decile edges and counts, a
-- quantile sketch, level counts, missing counts): the reference served traffic is compared
-- with for drift (GET /models/{id}/drift).
CREATE TABLE model_profiles (
    model_id BIGINT PRIMARY KEY REFERENCES models (id),
    profile  JSONB NOT NULL
);
