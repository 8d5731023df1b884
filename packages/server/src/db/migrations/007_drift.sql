-- Drift reports and outliers, written by the drift and outlier monitors (src/monitors).

-- One drift check of a model version's window of served features against its training reference.
CREATE TABLE IF NOT EXISTS drift_reports (
  id             BIGSERIAL PRIMARY KEY,
  model_version  INTEGER NOT NULL,
  window_kind    TEXT NOT NULL CHECK (window_kind IN ('count', 'time')),
  rows           INTEGER NOT NULL,
  severity       TEXT NOT NULL CHECK (severity IN ('none', 'low', 'medium', 'high')),
  summary        TEXT NOT NULL,
  features       JSONB NOT NULL,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS drift_reports_version_created ON drift_reports (model_version, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS drift_reports_created ON drift_reports (created_at DESC, id DESC);

-- A served prediction whose features the outlier checks flagged, with the reasons. One row per
-- prediction: a redelivered event is stored (and published) once.
CREATE TABLE IF NOT EXISTS outliers (
  id             BIGSERIAL PRIMARY KEY,
  prediction_id  UUID NOT NULL UNIQUE,
  customer_id    TEXT NOT NULL,
  model_version  INTEGER NOT NULL,
  score          DOUBLE PRECISION NOT NULL,
  reasons        JSONB NOT NULL,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS outliers_version_created ON outliers (model_version, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS outliers_created ON outliers (created_at DESC, id DESC);
