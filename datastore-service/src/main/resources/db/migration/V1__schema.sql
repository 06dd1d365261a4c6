COMMENT ON SCHEMA datastore IS 'MedLabel datastore-service: images, labels, sessions and their outbox';
