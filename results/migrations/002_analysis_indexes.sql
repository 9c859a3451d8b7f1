-- gatelab results schema, migration 2: indexes for the analysis views (results/views) and `gatelab export`.
-- Append-only like 001: never edit after release; later changes go into 003_*.sql.

-- "the last / best value of one key of one run" (run_summary, final_metrics, export --run): a range scan on
-- (run_id, split, key) ordered by step, where the primary key (run_id, step, split, key) would scan every step.
CREATE INDEX IF NOT EXISTS metrics_by_run_key ON metrics(run_id, split, key, step);

-- "the runs of a sweep" is the primary key (sweep_id, run_id); "the sweeps of a run" (run_summary joins,
-- export --run with a sweep filter) needs the other order.
CREATE INDEX IF NOT EXISTS sweep_runs_by_run ON sweep_runs(run_id, sweep_id);

-- (The per-layer views' "last measured step of a run" is served by the primary keys of gate_stats and
-- layer_stats, which begin with (run_id, step).)

-- Sweeps are addressed by name on the command line (gatelab report NAME, export --sweep NAME).
CREATE INDEX IF NOT EXISTS sweeps_by_name ON sweeps(name);
