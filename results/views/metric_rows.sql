-- metric_rows: every recorded metric observation, one per row (long format), with the run's name and variant:
-- the `gatelab export metrics` data set and the loss curves' source. value is NULL when it was not finite.
-- tokens and time_s are the other x axes of the curves (`gatelab plot --x tokens|time`, the report's chooser).
CREATE VIEW metric_rows AS
SELECT
  m.run_id,
  a.name AS run_name,      -- runs.name
  a.variant,               -- run_axes.variant
  m.step,                  -- optimizer step after which the value was measured
  m.split,                 -- train | valid
  m.key,                   -- loss, bpb, ppl, accuracy, lr, grad_norm, tokens_per_s, probe means, ...
  m.value,                 -- the measured value
  -- training tokens consumed by then: step x train.batch_size x task.seq_len (harness/train/trainer.cpp)
  m.step * json_extract(r.config_json, '$.train.batch_size') * json_extract(r.config_json, '$.task.seq_len') AS tokens,
  -- training wall time by then (seconds), estimated from the run's mean throughput (runs.tokens_per_s); evaluation
  -- time is not included. NULL while the run has no throughput yet.
  m.step * json_extract(r.config_json, '$.train.batch_size') * json_extract(r.config_json, '$.task.seq_len')
    / NULLIF(r.tokens_per_s, 0) AS time_s
FROM metrics m JOIN run_axes a ON a.run_id = m.run_id JOIN runs r ON r.run_id = m.run_id;
