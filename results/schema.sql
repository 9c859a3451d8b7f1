-- gatelab results schema: the whole current schema in one documented file (every table and column commented).
--
-- This file is documentation and a test oracle, not what the binary executes: the binary applies the numbered
-- migrations in results/migrations/ (001_initial.sql, 002_analysis_indexes.sql, ...) in order, keyed on
-- PRAGMA user_version, so a DB written by an older gatelab opens and upgrades in place. tests/results checks that
-- a DB built from this file and a DB built by the migrations have the same tables, columns, keys and indexes:
-- when you add a migration, update this file too.
--
-- Views (results/views/*.sql, one per file, recreated on every open) answer the common questions:
-- run_axes, run_summary, final_metrics, gate_saturation_by_layer, sink_by_layer, mqar_best_lr, versus_baseline and
-- the views analysis/ reads instead of the tables (run_configs, sweep_summary, sweep_members, metric_rows, ...).
-- See results/README.md.
--
-- Every write is keyed so that writing it twice changes nothing (INSERT OR REPLACE / ON CONFLICT on natural keys):
-- retried, resumed and requeued runs, and merged shard DBs, never duplicate a row.

-- One row per run. run_id is the hash of the canonical identity config (the resolved config, seed included, with
-- options out of their scope reset to the defaults: harness/config/config.h): the run's identity.
CREATE TABLE runs (
  run_id        TEXT PRIMARY KEY,           -- 16 hex digits, hash of config_json
  name          TEXT NOT NULL,              -- human name (from the sweep template or --name); not part of identity
  config_json   TEXT NOT NULL,              -- fully resolved config, canonical JSON (sorted keys)
  config_hash   TEXT NOT NULL,              -- equals run_id; kept explicit for joins and exports
  seed          INTEGER NOT NULL,           -- copy of config.seed
  status        TEXT NOT NULL,              -- results/run_status.h: queued | running | finished | diverged | failed | interrupted | stopped | cancelled
  status_reason TEXT,                       -- why: the error message, "loss is NaN at step 120", "SIGTERM", ...
  attempts      INTEGER NOT NULL DEFAULT 0, -- times a process started this run (retries and resumes count)
  git_commit    TEXT,                       -- source commit of the binary that last ran it ("-dirty" if modified)
  device        TEXT,                       -- "cpu (2 threads)" or the GPU name
  versions_json TEXT,                       -- library versions (torch, cuda, sqlite, fmt, ...) as JSON
  data_json     TEXT,                       -- data provenance: corpus manifest and sha256, or MQAR generator facts
  started_at    TEXT,                       -- ISO-8601 UTC, first start
  ended_at      TEXT,                       -- ISO-8601 UTC, last end
  steps_done    INTEGER NOT NULL DEFAULT 0, -- optimizer steps completed
  tokens_done   INTEGER NOT NULL DEFAULT 0, -- training tokens consumed
  tokens_per_s  REAL,                       -- mean training throughput over the run's last attempt
  n_params      INTEGER,                    -- trainable parameters
  restart_count INTEGER NOT NULL DEFAULT 0  -- SLURM_RESTART_COUNT at the run's last start (0 off a cluster) (004)
);

-- A sweep is one grid file's expansion; a run may belong to several sweeps (overlapping grids share runs).
CREATE TABLE sweeps (
  sweep_id    TEXT PRIMARY KEY,  -- hash of the sweep's name and its sorted run ids
  name        TEXT NOT NULL,     -- the grid file's name:
  source_path TEXT,              -- the grid file as given on the command line
  source_yaml TEXT,              -- the grid file's text
  created_at  TEXT NOT NULL      -- ISO-8601 UTC of the first launch
);

CREATE TABLE sweep_runs (
  sweep_id    TEXT NOT NULL REFERENCES sweeps(sweep_id), -- the sweep
  run_id      TEXT NOT NULL REFERENCES runs(run_id), -- a run of that sweep
  run_name    TEXT NOT NULL,     -- the run's name within this sweep (from its name template)
  is_baseline INTEGER NOT NULL DEFAULT 0, -- 1 for the sweep's baseline case (versus_baseline compares with it)
  PRIMARY KEY (sweep_id, run_id)
);

-- Long-format metrics: one observation per row.
CREATE TABLE metrics (
  run_id TEXT NOT NULL REFERENCES runs(run_id), -- the run measured
  step   INTEGER NOT NULL,  -- optimizer step after which the value was measured
  split  TEXT NOT NULL,     -- train | valid
  key    TEXT NOT NULL,     -- loss, bpb, ppl, accuracy, lr, grad_norm, tokens_per_s, ...
  value  REAL,              -- NULL when not finite (a diverged loss); see runs.status
  PRIMARY KEY (run_id, step, split, key)
);
CREATE INDEX metrics_by_key ON metrics(key, split, run_id, step);

-- Gate statistics of linear-attention gates, per layer and head, on evaluation batches (docs/RESEARCH.md 2.1).
CREATE TABLE gate_stats (
  run_id     TEXT NOT NULL REFERENCES runs(run_id), -- the run measured
  step       INTEGER NOT NULL,               -- optimizer step after which the gates were measured (evaluation steps)
  layer      INTEGER NOT NULL,   -- 0-based block index
  head       INTEGER NOT NULL,   -- 0-based head; -1 aggregates all heads of the layer
  quantity   TEXT NOT NULL,      -- alpha (effective key-side decay), alpha_v (value side), g and F (refining), gate (softmax gate score)
  mean       REAL,               -- mean value
  sat_low    REAL,               -- share of values < eps
  sat_high   REAL,               -- share of values > 1 - eps
  q05        REAL,               -- 5% quantile
  q50        REAL,               -- median
  q95        REAL,               -- 95% quantile
  eps        REAL,               -- the eps used for sat_low / sat_high
  PRIMARY KEY (run_id, step, layer, head, quantity)
);

-- Histograms of gate values over [0, 1], per layer (all heads), on evaluation batches.
CREATE TABLE gate_histograms (
  run_id   TEXT NOT NULL REFERENCES runs(run_id), -- the run measured
  step     INTEGER NOT NULL,                 -- optimizer step after which the gates were measured
  layer    INTEGER NOT NULL,                 -- 0-based block index
  quantity TEXT NOT NULL,  -- as in gate_stats
  bin      INTEGER NOT NULL, -- 0-based
  lo       REAL NOT NULL,    -- bin's lower edge
  hi       REAL NOT NULL,    -- bin's upper edge
  count    INTEGER NOT NULL, -- values in [lo, hi) (the last bin includes hi)
  PRIMARY KEY (run_id, step, layer, quantity, bin)
);

-- Attention-sink and activation measures per layer, on evaluation batches (docs/RESEARCH.md 2.1).
CREATE TABLE layer_stats (
  run_id            TEXT NOT NULL REFERENCES runs(run_id), -- the run measured
  step              INTEGER NOT NULL,        -- optimizer step after which the layer was measured (evaluation steps)
  layer             INTEGER NOT NULL,        -- 0-based block index
  attn_kind         TEXT NOT NULL, -- linear | softmax
  first_token_share REAL,          -- F-Attn: mean over heads and queries i >= 1 of A[h, i, 0]; NULL for linear layers
  max_activation    REAL,          -- M-Act: max |h_l| over tokens and channels of the residual stream after the layer
  output_sparsity_1e2 REAL,        -- share of gated attention outputs with |y| < 1e-2 (NULL when ungated)
  output_sparsity_1e3 REAL,        -- share with |y| < 1e-3
  PRIMARY KEY (run_id, step, layer)
);

-- Benchmarks written by `gatelab bench`.
CREATE TABLE benches (
  bench_id     TEXT NOT NULL,      -- hash of (what, shape, dtype, device, git commit)
  created_at   TEXT NOT NULL,                -- ISO-8601 UTC when the bench ran
  what         TEXT NOT NULL,      -- e.g. kernel:cuda_chunk, kernel:torch_chunked, sdpa_flash, train:gla_small
  shape        TEXT NOT NULL,      -- e.g. "B=8 T=2048 H=16 D=64"
  dtype        TEXT NOT NULL,                -- float32 | bfloat16
  device       TEXT NOT NULL,                -- "cpu (2 threads)" or the GPU name
  git_commit   TEXT NOT NULL,                -- source commit of the binary that ran the bench
  versions_json TEXT,                        -- library versions (torch, cuda, ...) as JSON
  ms           REAL,               -- median milliseconds per forward+backward (kernels)
  ratio_to_ref REAL,               -- ms / the reference's ms in the same run (SDPA flash for kernels)
  tokens_per_s REAL,               -- training throughput (train rows)
  peak_mem_gib REAL,               -- peak device memory
  target       TEXT,               -- the target this row is judged against, as text
  PRIMARY KEY (bench_id)
);

-- Indexes added by migration 002 (analysis queries).

-- "the last / best value of one key of one run" (run_summary, final_metrics, export --run): a range scan on
-- (run_id, split, key) ordered by step, where the primary key (run_id, step, split, key) would scan every step.
CREATE INDEX metrics_by_run_key ON metrics(run_id, split, key, step);

-- "the runs of a sweep" is the primary key (sweep_id, run_id); "the sweeps of a run" (run_summary joins,
-- export --run with a sweep filter) needs the other order.
CREATE INDEX sweep_runs_by_run ON sweep_runs(run_id, sweep_id);

-- (The per-layer views' "last measured step of a run" is served by the primary keys of gate_stats and
-- layer_stats, which begin with (run_id, step).)

-- Sweeps are addressed by name on the command line (gatelab report NAME, export --sweep NAME).
CREATE INDEX sweeps_by_name ON sweeps(name);

-- What each metric key means (migration 003): the metric registry (results/metrics_builtin.cpp), mirrored here by
-- every writable open, so views and ad-hoc queries read a metric's direction, unit and label from the one place it
-- is declared.
CREATE TABLE metric_definitions (
  key     TEXT PRIMARY KEY,  -- metrics.key
  better  TEXT NOT NULL,     -- lower | higher | neither (a measurement, not a score)
  unit    TEXT NOT NULL,     -- '' when unitless
  label   TEXT NOT NULL,     -- axis and column label
  meaning TEXT NOT NULL      -- one line
);

-- One row per attempt of a run (migration 004): where and how each process that claimed the run ran it. The CPU
-- thread count changes a run's numbers in the last digits, so a resume on other hardware is visible here.
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

-- The researcher's own labels (migration 005): `gatelab tag RUN|SWEEP key=value` and `gatelab note RUN|SWEEP text`.
-- The views run_tags and run_notes give each run its own and its sweeps'.
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
