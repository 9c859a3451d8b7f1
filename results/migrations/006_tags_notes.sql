-- gatelab results schema, migration 5: the researcher's own labels. `gatelab tag RUN|SWEEP key=value` and
-- `gatelab note RUN|SWEEP text` write them; the views run_tags and run_notes give each run its own and its sweeps'.
-- Append-only like 001: never edit after release; later changes go into 006_*.sql.
CREATE TABLE tags (
  target_kind TEXT NOT NULL,  -- run | sweep
  target      TEXT NOT NULL,  -- runs.run_id, or sweeps.name (a sweep's tags follow its name across launches)
  key         TEXT NOT NULL,  -- e.g. idea, status
  value       TEXT NOT NULL,  -- free text; `gatelab tag X key=` removes the tag
  updated_at  TEXT NOT NULL,  -- ISO-8601 UTC
  PRIMARY KEY (target_kind, target, key)
);

CREATE TABLE notes (
  target_kind TEXT NOT NULL,  -- run | sweep
  target      TEXT NOT NULL,  -- runs.run_id, or sweeps.name
  text        TEXT NOT NULL,  -- free text; one note per run or sweep, replaced by the next `gatelab note`
  updated_at  TEXT NOT NULL,  -- ISO-8601 UTC
  PRIMARY KEY (target_kind, target)
);
