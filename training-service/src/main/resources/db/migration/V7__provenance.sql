-- Who imported a model version (PUT /model with auth on); null for trained versions and when auth is off.
ALTER TABLE training.model_versions ADD COLUMN imported_by text;
