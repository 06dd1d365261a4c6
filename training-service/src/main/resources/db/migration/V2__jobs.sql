-- Training jobs in MONAI Label's task vocabulary. At most one RUNNING job per model across every worker: the partial
-- unique index is the guarantee, the claim query only avoids tripping it.
CREATE TABLE training.jobs (
    id             uuid PRIMARY KEY,
    model          text NOT NULL,
    status         text NOT NULL CHECK (status IN ('SUBMITTED', 'RUNNING', 'DONE', 'ERROR', 'STOPPED')),
    trigger        text NOT NULL CHECK (trigger IN ('labels', 'request')),
    request        jsonb NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    start_ts       timestamptz,
    end_ts         timestamptz,
    worker         text,
    lease_until    timestamptz,
    attempts       integer NOT NULL DEFAULT 0,
    stop_requested boolean NOT NULL DEFAULT false,
    base_version   integer,
    epoch          integer NOT NULL DEFAULT 0,
    total_epochs   integer NOT NULL,
    best_metric    double precision,
    best_epoch     integer,
    stats          jsonb,
    details        jsonb NOT NULL DEFAULT '[]',
    error          text,
    version        integer
);
CREATE UNIQUE INDEX jobs_one_running_per_model ON training.jobs (model) WHERE status = 'RUNNING';
CREATE INDEX jobs_waiting ON training.jobs (created_at) WHERE status IN ('SUBMITTED', 'RUNNING');
CREATE INDEX jobs_by_model ON training.jobs (model, created_at DESC);

-- Model versions this service trained; published_at is null until Kafka acknowledged ModelPublished (the relay
-- re-sends until it is set: this table is the training service's outbox).
CREATE TABLE training.model_versions (
    model        text NOT NULL,
    version      integer NOT NULL,
    object_key   text NOT NULL,
    job_id       uuid NOT NULL REFERENCES training.jobs (id),
    dice         double precision,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    PRIMARY KEY (model, version)
);

-- Final labels saved since the model's last job started.
CREATE TABLE training.label_triggers (
    model         text PRIMARY KEY,
    pending       integer NOT NULL DEFAULT 0,
    last_label_at timestamptz
);

-- Events already acted on, so a redelivered event never counts twice.
CREATE TABLE training.processed_events (
    event_id     uuid PRIMARY KEY,
    processed_at timestamptz NOT NULL DEFAULT now()
);
