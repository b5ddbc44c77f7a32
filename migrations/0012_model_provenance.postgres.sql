-- Why each version was trained (manual, a schedule, changed data, an online run) and, once
-- a promotion rule ran, what it was compared against: a JSON document per version.
ALTER TABLE models ADD COLUMN provenance JSONB;
