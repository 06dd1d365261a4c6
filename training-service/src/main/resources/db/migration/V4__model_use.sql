-- When annotators last got a result from each model (the gateway reports it): among automatic jobs, those of the
-- models in use train first.
ALTER TABLE training.label_triggers ADD COLUMN last_used_at timestamptz;
