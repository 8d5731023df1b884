-- API keys: only a salted scrypt hash of each key is kept. A key reads ck_<id>_<secret>: the id
-- is the primary key below, so a request's key is found without scanning or hashing every row.
CREATE TABLE IF NOT EXISTS api_keys (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  role            TEXT NOT NULL CHECK (role IN ('predict', 'admin')),
  salt            TEXT NOT NULL,
  hash            TEXT NOT NULL,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- Updated lazily (at most about once a minute per key and process), not on every request.
  last_used_at    TIMESTAMPTZ,
  revoked_at      TIMESTAMPTZ,
  created_by      TEXT NOT NULL DEFAULT '',
  -- Optional per-key rate limit; NULL uses CHURN_RATE_LIMIT_RPS / CHURN_RATE_LIMIT_BURST.
  rate_limit_rps   DOUBLE PRECISION CHECK (rate_limit_rps > 0),
  rate_limit_burst INTEGER CHECK (rate_limit_burst > 0)
);
CREATE INDEX IF NOT EXISTS api_keys_active_role ON api_keys (role) WHERE revoked_at IS NULL;
