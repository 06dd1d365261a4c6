COMMENT ON SCHEMA training IS 'MedLabel training-service: training jobs and model versions';
