-- Closed-loop retraining: one row per run, a state machine (see src/retraining). The steps are
-- also written to audit_log (actor 'retraining'), one row each.
CREATE TABLE IF NOT EXISTS retraining_runs (
  id                 UUID PRIMARY KEY,
  -- What started the run: a drift alert, a low AUC, or an admin (kind, details, reason).
  trigger            JSONB NOT NULL,
  status             TEXT NOT NULL CHECK (status IN ('running', 'promoted', 'rejected', 'rolled_back', 'failed', 'cancelled')),
  step               TEXT NOT NULL,
  champion_version   INTEGER REFERENCES models(version),
  challenger_version INTEGER REFERENCES models(version),
  job_id             UUID,
  -- Gate name to its result: passed, the numbers it judged and the thresholds it used.
  gates              JSONB NOT NULL DEFAULT '{}',
  -- Datasets the run built (training table, holdout size, what went into it).
  data               JSONB NOT NULL DEFAULT '{}',
  started_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- Refreshed by the process driving the run: an unfinished run without a recent one is orphaned.
  heartbeat_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  finished_at        TIMESTAMPTZ,
  error              TEXT
);
CREATE INDEX IF NOT EXISTS retraining_runs_started ON retraining_runs (started_at DESC);
-- At most one unfinished run at a time, across every process.
CREATE UNIQUE INDEX IF NOT EXISTS retraining_runs_one_active ON retraining_runs ((status)) WHERE status = 'running';
