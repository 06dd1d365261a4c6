-- MONAI Label's sessions: images uploaded for inference only (never labels, never training data), removed after
-- their expiry by the sweeper. Files live under sessions/<id>/ in the object store.
CREATE TABLE datastore.sessions (
    id             uuid PRIMARY KEY,
    files          text[]      NOT NULL,
    image_name     text        NOT NULL,
    size_bytes     bigint      NOT NULL,
    meta           jsonb       NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL,
    last_access_at timestamptz NOT NULL,
    expiry_seconds integer     NOT NULL,
    expires_at     timestamptz NOT NULL
);
CREATE INDEX sessions_expiry ON datastore.sessions (expires_at);
