-- seed_summary: one row per case (a config without its seed, see run_cases) x split x metric key: the runs'
-- final values (final_metrics) collapsed over seeds — mean, sample standard deviation, n and a 95% interval of
-- the mean. The interval is t-based, mean +- t(0.975, n - 1) * std / sqrt(n) (student_t_975), because a sweep has
-- few seeds; it is NULL for a single seed. Non-finite final values (a diverged run) are NULL in final_metrics:
-- they count in n_runs, not in n_seeds or the statistics.
CREATE VIEW seed_summary AS
WITH v AS (
  SELECT c.case_id, c.case_name, c.seed, f.split, f.key, f.value,
         avg(f.value) OVER (PARTITION BY c.case_id, f.split, f.key) AS mean
  FROM run_cases c JOIN final_metrics f ON f.run_id = c.run_id
), g AS (
  SELECT case_id, case_name, split, key, count(*) AS n_runs, count(value) AS n, mean,
         CASE WHEN count(value) > 1 THEN sqrt(sum((value - mean) * (value - mean)) / (count(value) - 1)) END AS std,
         min(value) AS min_value, max(value) AS max_value, group_concat(seed, ' ') AS seeds
  FROM (SELECT * FROM v ORDER BY seed) GROUP BY case_id, split, key
), t AS (
  SELECT g.*, (SELECT s.t FROM student_t_975 s WHERE s.df <= g.n - 1 ORDER BY s.df DESC LIMIT 1) AS t975 FROM g
)
SELECT
  t.case_id,               -- run_cases.case_id: the case's smallest run id
  t.case_name,             -- run_cases.case_name
  a.variant, a.attn_kind, a.feature_map, a.norm, a.gate, a.gate_position, a.gate_granularity, a.gate_activation,
  a.gated, a.task, a.seq_len, a.num_kv, a.d_model, a.n_layers, a.lr,
  t.split,                 -- train | valid
  t.key,                   -- loss, accuracy, bpb, ppl, ...
  t.n AS n_seeds,          -- runs with a finite final value
  t.n_runs,                -- runs of the case with this metric
  t.seeds,                 -- their seeds, space-separated
  t.mean,                  -- mean of the final values
  t.std,                   -- sample standard deviation (n - 1 in the denominator); NULL for one seed
  t.t975 * t.std / sqrt(t.n) AS ci95_half,       -- half-width of the 95% t interval of the mean
  t.mean - t.t975 * t.std / sqrt(t.n) AS ci95_low,
  t.mean + t.t975 * t.std / sqrt(t.n) AS ci95_high,
  t.min_value,             -- the smallest final value over seeds
  t.max_value              -- the largest
FROM t JOIN run_axes a ON a.run_id = t.case_id;
