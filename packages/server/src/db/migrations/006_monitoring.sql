-- Performance monitoring and alerts.

-- A version's predictions in a time window, in keyset order (model_version, created_at,
-- prediction_id): the performance scan pages through this index. The probability is carried in
-- the index so the scan can be answered from it.
CREATE INDEX IF NOT EXISTS predictions_version_created
  ON predictions (model_version, created_at, prediction_id) INCLUDE (churn_probability);

-- "The customer's next prediction by this version" when an outcome is joined by customer id.
CREATE INDEX IF NOT EXISTS predictions_customer_version
  ON predictions (customer_id, model_version, created_at, prediction_id);

-- Outcomes that name a prediction, and outcomes of a customer in time order.
CREATE INDEX IF NOT EXISTS feedback_prediction ON feedback (prediction_id) WHERE prediction_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS feedback_customer_observed ON feedback (customer_id, observed_at);
CREATE INDEX IF NOT EXISTS feedback_observed ON feedback (observed_at);

-- Realized and estimated (CBPE) performance per model version and window, taken periodically.
CREATE TABLE IF NOT EXISTS performance_snapshots (
  id                 BIGSERIAL PRIMARY KEY,
  taken_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
  model_version      INTEGER NOT NULL,
  window_name        TEXT NOT NULL,
  window_from        TIMESTAMPTZ NOT NULL,
  window_to          TIMESTAMPTZ NOT NULL,
  predictions        BIGINT NOT NULL,
  labelled           BIGINT NOT NULL,
  realized_accuracy  DOUBLE PRECISION,
  realized_precision DOUBLE PRECISION,
  realized_recall    DOUBLE PRECISION,
  realized_auc       DOUBLE PRECISION,
  estimated_accuracy  DOUBLE PRECISION,
  estimated_precision DOUBLE PRECISION,
  estimated_recall    DOUBLE PRECISION,
  estimated_auc       DOUBLE PRECISION,
  calibration        TEXT NOT NULL,
  report             JSONB NOT NULL
);
CREATE INDEX IF NOT EXISTS performance_snapshots_version_taken
  ON performance_snapshots (model_version, window_name, taken_at);
CREATE INDEX IF NOT EXISTS performance_snapshots_taken ON performance_snapshots (taken_at);

-- Alerts: one row per incident. Repeats with the same dedup_key inside the cooldown raise the
-- count and last_seen of the open row instead of adding rows.
CREATE TABLE IF NOT EXISTS alerts (
  id          BIGSERIAL PRIMARY KEY,
  kind        TEXT NOT NULL,
  severity    TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  dedup_key   TEXT NOT NULL,
  title       TEXT NOT NULL,
  details     JSONB NOT NULL DEFAULT '{}',
  first_seen  TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_seen   TIMESTAMPTZ NOT NULL DEFAULT now(),
  count       INTEGER NOT NULL DEFAULT 1,
  status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS alerts_dedup ON alerts (dedup_key, last_seen DESC);
CREATE INDEX IF NOT EXISTS alerts_status_seen ON alerts (status, last_seen DESC);
