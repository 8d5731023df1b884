-- Model artifacts in parts of at most 1 MiB of text, one row each. A 100-tree forest's artifact is
-- about 25 MB; stored whole, every read and write of it had the database hold it (and copies of it)
-- at once, and the embedded database's WebAssembly memory, which never shrinks, grew by about as
-- much for good. Part by part, it holds one part at a time.
CREATE TABLE IF NOT EXISTS model_artifact_parts (
  version  INTEGER NOT NULL REFERENCES models(version),
  part     INTEGER NOT NULL,
  body     TEXT NOT NULL,
  PRIMARY KEY (version, part)
);

INSERT INTO model_artifact_parts (version, part, body)
  SELECT m.version, g.part, substr(m.artifact, g.part * 1048576 + 1, 1048576)
  FROM models m, generate_series(0, GREATEST(0, (length(m.artifact) - 1) / 1048576)) AS g(part);

ALTER TABLE models DROP COLUMN artifact;
