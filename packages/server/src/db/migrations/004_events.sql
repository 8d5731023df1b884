-- Events waiting for the broker: a publish batch that Kafka did not acknowledge is stored here and
-- relayed, in id order, when the broker is back; rows are deleted once Kafka acknowledged them.
CREATE TABLE IF NOT EXISTS event_outbox (
  id            BIGSERIAL PRIMARY KEY,
  topic         TEXT NOT NULL,
  key           TEXT NOT NULL,
  payload       BYTEA NOT NULL,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  attempts      INTEGER NOT NULL DEFAULT 0,
  last_error    TEXT,
  -- A relay leases rows while it sends them, so that several instances never send one row twice
  -- at the same time.
  claimed_until TIMESTAMPTZ
);

-- Consumers without a natural key record the event ids they have applied (idempotency by id).
CREATE TABLE IF NOT EXISTS processed_events (
  consumer_group TEXT NOT NULL,
  event_id       UUID NOT NULL,
  processed_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, event_id)
);
CREATE INDEX IF NOT EXISTS processed_events_at ON processed_events (processed_at);
