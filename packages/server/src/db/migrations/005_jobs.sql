-- Stored training tables: uploaded, generated or built from feedback. The CSV is kept gzipped.
CREATE TABLE IF NOT EXISTS datasets (
  id          UUID PRIMARY KEY,
  name        TEXT NOT NULL,
  source      TEXT NOT NULL CHECK (source IN ('upload', 'generated', 'feedback')),
  row_count   INTEGER NOT NULL,
  columns     JSONB NOT NULL,
  data_hash   TEXT NOT NULL,
  size_bytes  BIGINT NOT NULL,
  spec        JSONB,
  csv_gzip    BYTEA NOT NULL,
  created_by  TEXT NOT NULL DEFAULT '',
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS datasets_created ON datasets (created_at DESC);

-- Training jobs: one background training each, with its progress and its result.
CREATE TABLE IF NOT EXISTS training_jobs (
  id              UUID PRIMARY KEY,
  status          TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  -- The stored table, or (until the job has generated and stored it) a generated table's spec.
  dataset_id      UUID REFERENCES datasets(id),
  dataset_spec    JSONB,
  algorithm       TEXT NOT NULL,
  params          JSONB NOT NULL,
  target          TEXT NOT NULL,
  positive_label  TEXT,
  description     TEXT NOT NULL DEFAULT '',
  set_alias       TEXT,
  parent_version  INTEGER,
  progress        DOUBLE PRECISION NOT NULL DEFAULT 0,
  stage           TEXT NOT NULL DEFAULT 'queued',
  error           TEXT,
  model_version   INTEGER,
  metrics         JSONB,
  created_by      TEXT NOT NULL DEFAULT '',
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  started_at      TIMESTAMPTZ,
  -- Refreshed by the process running the job: a running job without a recent one is orphaned.
  heartbeat_at    TIMESTAMPTZ,
  finished_at     TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS training_jobs_created ON training_jobs (created_at DESC);
CREATE INDEX IF NOT EXISTS training_jobs_status ON training_jobs (status);
