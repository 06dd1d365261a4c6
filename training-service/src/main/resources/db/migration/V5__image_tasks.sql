-- MONAI Label's batch-inference and scoring tasks, run over datastore images by whichever training replica holds the
-- lease (the gateway keeps no task state). At most one active task per kind cluster-wide, as MONAI Label allows one
-- per server: the partial unique index is the guarantee.
CREATE TABLE training.image_tasks (
    id             uuid PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ('batch_infer', 'scoring')),
    model          text,
    request        jsonb NOT NULL,
    status         text NOT NULL CHECK (status IN ('SUBMITTED', 'RUNNING', 'DONE', 'ERROR', 'STOPPED')),
    images         jsonb,
    total          integer NOT NULL DEFAULT 0,
    done           integer NOT NULL DEFAULT 0,
    failed         integer NOT NULL DEFAULT 0,
    result         jsonb NOT NULL DEFAULT '{}',
    details        jsonb NOT NULL DEFAULT '[]',
    stop_requested boolean NOT NULL DEFAULT false,
    worker         text,
    lease_until    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    start_ts       timestamptz,
    end_ts         timestamptz
);
CREATE UNIQUE INDEX image_tasks_one_active_per_kind ON training.image_tasks (kind)
    WHERE status IN ('SUBMITTED', 'RUNNING');
CREATE INDEX image_tasks_by_kind ON training.image_tasks (kind, created_at DESC);

-- The segmentation model versions whose epistemic scores automatic scoring brought up to date (cluster-wide, so a
-- version is rescored once however many gateways report it).
CREATE TABLE training.scored_versions (
    model   text PRIMARY KEY,
    version integer NOT NULL
);
