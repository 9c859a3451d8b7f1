-- final_metrics: per run, split and metric key, the value at the last step it was recorded, with its range.
-- Long format, one observation per row. value is NULL when the last value was not finite (a diverged loss).
CREATE VIEW final_metrics AS
SELECT
  m.run_id,
  m.split,                 -- train | valid
  m.key,                   -- loss, accuracy, bpb, ppl, first_token_share, ...
  m.step,                  -- the last step with this (split, key)
  m.value,                 -- the value at that step
  a.min_value,             -- the smallest finite value over all steps (best for loss, bpb, ppl)
  a.max_value,             -- the largest (best for accuracy)
  a.n_values               -- finite observations over all steps
FROM (SELECT run_id, split, key, max(step) AS last_step, min(value) AS min_value, max(value) AS max_value,
             count(value) AS n_values
      FROM metrics GROUP BY run_id, split, key) a
JOIN metrics m ON m.run_id = a.run_id AND m.split = a.split AND m.key = a.key AND m.step = a.last_step;
