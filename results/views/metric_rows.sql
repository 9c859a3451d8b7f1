-- metric_rows: every recorded metric observation, one per row (long format), with the run's name and variant:
-- the `gatelab export metrics` data set and the loss curves' source. value is NULL when it was not finite.
CREATE VIEW metric_rows AS
SELECT
  m.run_id,
  a.name AS run_name,      -- runs.name
  a.variant,               -- run_axes.variant
  m.step,                  -- optimizer step after which the value was measured
  m.split,                 -- train | valid
  m.key,                   -- loss, bpb, ppl, accuracy, lr, grad_norm, tokens_per_s, probe means, ...
  m.value                  -- the measured value
FROM metrics m JOIN run_axes a ON a.run_id = m.run_id;
