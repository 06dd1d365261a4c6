-- Imported models (PUT /model) get their versions here too, so every version of a model, trained or imported, is
-- allocated under one lock and announced through one outbox: an imported version has no job.
ALTER TABLE training.model_versions ALTER COLUMN job_id DROP NOT NULL;
