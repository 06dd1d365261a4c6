-- Images, their versioned labels, and the outbox of events not yet on Kafka. Bytes live in the object store; a row
-- exists only once its object is stored (write the object, then the row and its outbox event in one transaction).
CREATE TABLE datastore.images (
    id               text PRIMARY KEY,
    ext              text             NOT NULL,
    object_key       text             NOT NULL,
    size_bytes       bigint           NOT NULL,
    sha256           text             NOT NULL,
    format           text             NOT NULL,
    dims             integer[]        NOT NULL,
    components       integer          NOT NULL,
    spacing          double precision[] NOT NULL,
    affine           double precision[] NOT NULL,
    info             jsonb            NOT NULL DEFAULT '{}',
    created_at       timestamptz      NOT NULL,
    updated_at       timestamptz      NOT NULL,
    -- latest version of the 'final' label; NULL while the image is unlabeled (what the strategies pick from)
    final_version    integer,
    -- when an active-learning strategy last served it ('random' weighs its draw by the time since)
    served_at        timestamptz
);
CREATE INDEX images_unlabeled ON datastore.images (id) WHERE final_version IS NULL;
CREATE INDEX images_unlabeled_served ON datastore.images (served_at)
    WHERE final_version IS NULL AND served_at IS NOT NULL;

CREATE TABLE datastore.labels (
    image_id   text        NOT NULL REFERENCES datastore.images (id) ON DELETE CASCADE,
    tag        text        NOT NULL,
    version    integer     NOT NULL,
    ext        text        NOT NULL,
    object_key text        NOT NULL,
    size_bytes bigint      NOT NULL,
    sha256     text        NOT NULL,
    info       jsonb       NOT NULL DEFAULT '{}',
    author     text        NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (image_id, tag, version)
);
CREATE INDEX labels_by_tag ON datastore.labels (tag, image_id);

CREATE TABLE datastore.outbox (
    id         bigserial PRIMARY KEY,
    topic      text        NOT NULL,
    event_key  text        NOT NULL,
    payload    text        NOT NULL,
    created_at timestamptz NOT NULL,
    sent_at    timestamptz,
    attempts   integer     NOT NULL DEFAULT 0
);
CREATE INDEX outbox_pending ON datastore.outbox (id) WHERE sent_at IS NULL;
