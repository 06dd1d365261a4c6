-- A job that waits to resume (an outage, a user's job took its worker, its worker shut down) is PAUSED, no longer
-- shown as RUNNING; reason says why it paused or stopped. A job's version is now its best version so far: versions
-- are published during the job, at every epoch that improves its validation metric.
ALTER TABLE training.jobs DROP CONSTRAINT jobs_status_check;
ALTER TABLE training.jobs ADD CONSTRAINT jobs_status_check
    CHECK (status IN ('SUBMITTED', 'RUNNING', 'PAUSED', 'DONE', 'ERROR', 'STOPPED'));
ALTER TABLE training.jobs ADD COLUMN reason text;
DROP INDEX training.jobs_waiting;
CREATE INDEX jobs_waiting ON training.jobs (created_at) WHERE status IN ('SUBMITTED', 'RUNNING', 'PAUSED');
