-- versus_baseline_by_case: versus_baseline collapsed over seeds, one row per sweep x case (a config without its
-- seed, see run_cases) x valid metric. versus_baseline pairs each run with the baseline of equal context, seed
-- included, so every seed contributes one paired delta; delta_mean is their mean and the 95% interval is the
-- paired t interval, delta_mean +- t(0.975, n - 1) * delta_std / sqrt(n) (student_t_975; NULL for one seed).
-- value_* and baseline_* are the two sides' means and spreads over the same (paired) seeds.
CREATE VIEW versus_baseline_by_case AS
WITH v AS (
  SELECT b.sweep_id, b.sweep_name, c.case_id, c.case_name, b.variant, b.baseline_variant, b.is_baseline, b.key,
         b.better, c.seed, b.value, b.baseline_value, b.delta,
         avg(b.value) OVER p AS value_mean, avg(b.baseline_value) OVER p AS baseline_mean, avg(b.delta) OVER p AS delta_mean
  FROM versus_baseline b JOIN run_cases c ON c.run_id = b.run_id
  WHERE b.delta IS NOT NULL  -- a seed whose run or baseline has no finite final value pairs with nothing
  WINDOW p AS (PARTITION BY b.sweep_id, c.case_id, b.key)
), g AS (
  SELECT sweep_id, sweep_name, case_id, case_name, variant, baseline_variant, max(is_baseline) AS is_baseline, key,
         better, count(delta) AS n, value_mean, baseline_mean, delta_mean, group_concat(seed, ' ') AS seeds,
         CASE WHEN count(value) > 1 THEN sqrt(sum((value - value_mean) * (value - value_mean)) / (count(value) - 1)) END AS value_std,
         CASE WHEN count(baseline_value) > 1
              THEN sqrt(sum((baseline_value - baseline_mean) * (baseline_value - baseline_mean)) / (count(baseline_value) - 1)) END AS baseline_std,
         CASE WHEN count(delta) > 1 THEN sqrt(sum((delta - delta_mean) * (delta - delta_mean)) / (count(delta) - 1)) END AS delta_std
  FROM (SELECT * FROM v ORDER BY seed) GROUP BY sweep_id, case_id, key
), t AS (
  SELECT g.*, (SELECT s.t FROM student_t_975 s WHERE s.df <= g.n - 1 ORDER BY s.df DESC LIMIT 1) AS t975 FROM g
)
SELECT
  sweep_id, sweep_name,
  case_id,                 -- run_cases.case_id
  case_name,               -- run_cases.case_name
  variant, baseline_variant,
  is_baseline,             -- 1 for the baseline's own case (delta 0)
  key,                     -- a valid-split metric
  n AS n_seeds,            -- paired seeds
  seeds,                   -- them, space-separated
  value_mean, value_std,   -- the case's final values: mean and sample standard deviation over the seeds
  baseline_mean, baseline_std,  -- the paired baselines' final values
  delta_mean,              -- mean of the per-seed deltas (value - baseline_value)
  delta_std,               -- their sample standard deviation
  delta_mean - t975 * delta_std / sqrt(n) AS delta_ci95_low,   -- paired 95% t interval of the delta
  delta_mean + t975 * delta_std / sqrt(n) AS delta_ci95_high,
  better,                  -- metric_definitions.better: lower | higher | neither
  CASE better WHEN 'lower' THEN delta_mean < 0 WHEN 'higher' THEN delta_mean > 0 END AS improved, -- on average
  -- 1 when the whole interval lies on the better side of 0, 0 when it lies on the worse side or spans 0, NULL
  -- for one seed or a measurement without a direction: "better beyond the seed noise"
  CASE WHEN n > 1 THEN CASE better
       WHEN 'lower' THEN delta_mean + t975 * delta_std / sqrt(n) < 0
       WHEN 'higher' THEN delta_mean - t975 * delta_std / sqrt(n) > 0 END END AS improved_beyond_noise
FROM t;
