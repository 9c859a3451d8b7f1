-- metric_by_case: one row per case (a config without its seed, see run_cases) x split x metric key x step: the
-- value at that step collapsed over the case's seeds — mean, sample standard deviation, n and the t-based 95%
-- interval of the mean (student_t_975; NULL for one seed). What the plots draw as a mean line with a shaded band.
-- tokens and time_s are the means over the seeds of metric_rows' columns (tokens are equal across seeds).
CREATE VIEW metric_by_case AS
WITH v AS (
  SELECT c.case_id, c.case_name, m.split, m.key, m.step, m.value, m.tokens, m.time_s,
         avg(m.value) OVER (PARTITION BY c.case_id, m.split, m.key, m.step) AS mean
  FROM run_cases c JOIN metric_rows m ON m.run_id = c.run_id
), g AS (
  SELECT case_id, case_name, split, key, step, count(value) AS n, mean, avg(tokens) AS tokens, avg(time_s) AS time_s,
         CASE WHEN count(value) > 1 THEN sqrt(sum((value - mean) * (value - mean)) / (count(value) - 1)) END AS std,
         min(value) AS min_value, max(value) AS max_value
  FROM v GROUP BY case_id, split, key, step
), t AS (
  SELECT g.*, (SELECT s.t FROM student_t_975 s WHERE s.df <= g.n - 1 ORDER BY s.df DESC LIMIT 1) AS t975 FROM g
)
SELECT
  case_id,                 -- run_cases.case_id
  case_name,               -- run_cases.case_name
  split, key, step,
  tokens,                  -- training tokens by this step
  time_s,                  -- training seconds by this step (mean over seeds, from throughput)
  n AS n_seeds,            -- seeds with a finite value at this step
  mean,                    -- mean over seeds
  std,                     -- sample standard deviation; NULL for one seed
  mean - t975 * std / sqrt(n) AS ci95_low,   -- 95% t interval of the mean
  mean + t975 * std / sqrt(n) AS ci95_high,
  min_value, max_value
FROM t;
