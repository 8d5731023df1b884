-- The model router's current state: one row, replaced as a whole by every change. `generation`
-- grows by one per change, so a process applies a state only when it is newer than its own.
CREATE TABLE IF NOT EXISTS routing_state (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  generation  BIGINT NOT NULL,
  strategy    TEXT NOT NULL CHECK (strategy IN ('single', 'shadow', 'canary', 'blue_green')),
  champion    INTEGER REFERENCES models(version),
  challenger  INTEGER REFERENCES models(version),
  canary_percent DOUBLE PRECISION CHECK (canary_percent >= 0 AND canary_percent <= 100),
  blue        INTEGER REFERENCES models(version),
  green       INTEGER REFERENCES models(version),
  active_color TEXT CHECK (active_color IN ('blue', 'green')),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_by  TEXT NOT NULL,
  reason      TEXT NOT NULL DEFAULT ''
);

-- Every routing state ever applied, with the aliases it set and the generation it replaced:
-- rollback walks the `previous` chain back.
CREATE TABLE IF NOT EXISTS routing_history (
  generation  BIGINT PRIMARY KEY,
  previous    BIGINT,
  action      TEXT NOT NULL,
  spec        JSONB NOT NULL,
  aliases     JSONB NOT NULL,
  at          TIMESTAMPTZ NOT NULL DEFAULT now(),
  actor       TEXT NOT NULL,
  reason      TEXT NOT NULL DEFAULT ''
);
