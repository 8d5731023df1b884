-- Model registry: every trained version, its lineage and its artifact (the model file).
CREATE TABLE IF NOT EXISTS models (
  version      INTEGER PRIMARY KEY,
  algorithm    TEXT NOT NULL,
  parent       INTEGER REFERENCES models(version),
  data_hash    TEXT NOT NULL,
  params       JSONB NOT NULL,
  metrics      JSONB,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  description  TEXT NOT NULL DEFAULT '',
  artifact     TEXT NOT NULL
);

-- Aliases such as champion / challenger, each pointing at one version.
CREATE TABLE IF NOT EXISTS model_aliases (
  alias      TEXT PRIMARY KEY,
  version    INTEGER NOT NULL REFERENCES models(version),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Every prediction served, logged in batches off the response path.
CREATE TABLE IF NOT EXISTS predictions (
  prediction_id     UUID PRIMARY KEY,
  customer_id       TEXT NOT NULL,
  model_version     INTEGER NOT NULL,
  churn_probability DOUBLE PRECISION NOT NULL,
  risk_level        TEXT NOT NULL,
  features          JSONB NOT NULL,
  created_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS predictions_customer ON predictions (customer_id, created_at DESC);
CREATE INDEX IF NOT EXISTS predictions_created ON predictions (created_at);

-- Observed outcomes (late labels).
CREATE TABLE IF NOT EXISTS feedback (
  id            BIGSERIAL PRIMARY KEY,
  prediction_id UUID,
  customer_id   TEXT NOT NULL,
  churned       BOOLEAN NOT NULL,
  observed_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS feedback_customer ON feedback (customer_id);

-- Who changed what, when and why (routing, promotions, keys).
CREATE TABLE IF NOT EXISTS audit_log (
  id         BIGSERIAL PRIMARY KEY,
  at         TIMESTAMPTZ NOT NULL DEFAULT now(),
  actor      TEXT NOT NULL,
  action     TEXT NOT NULL,
  before     JSONB,
  after      JSONB,
  reason     TEXT NOT NULL DEFAULT ''
);
