-- gatelab results schema, migration 4: one row per attempt of a run, with where and how it ran. The CPU thread
-- count changes a run's numbers in the last digits (reductions split differently), so a resumed run that moved to
-- another device or thread count is visible here, and `gatelab run` warns when it happens.
-- Append-only like 001: never edit after release; later changes go into 005_*.sql.
CREATE TABLE attempts (
  run_id     TEXT NOT NULL REFERENCES runs(run_id),  -- the run
  attempt    INTEGER NOT NULL,  -- 1, 2, ...: runs.attempts when this process claimed the run
  started_at TEXT NOT NULL,     -- ISO-8601 UTC
  start_step INTEGER NOT NULL,  -- the step it started from (0, or the checkpoint's step when resuming)
  device     TEXT NOT NULL,     -- cpu | cuda:N (torch's name for it)
  threads    INTEGER NOT NULL,  -- torch intra-op CPU threads
  git_commit TEXT,              -- source commit of the binary
  PRIMARY KEY (run_id, attempt)
);
