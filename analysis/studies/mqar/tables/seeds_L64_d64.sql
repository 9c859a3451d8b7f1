-- db: mqar_quick.db.zst
-- Two seeds at L = 64, D = 4, d_model 64, where the linear variants differ most: per variant, the best validation
-- accuracy over the two learning rates for seed 0 (sweeps/mqar_quick.yaml) and seed 1 (sweeps/mqar_seed1_L64.yaml),
-- and their mean and spread. Each seed takes its own best lr; only finished runs count.
WITH per_seed AS (
  SELECT variant, seed, max(best_accuracy) AS best, count(*) AS n_lrs
  FROM run_summary
  WHERE task = 'mqar' AND seq_len = 64 AND d_model = 64 AND status = 'finished' AND attn_kind != 'softmax'
  GROUP BY variant, seed
)
SELECT variant,
       round(max(CASE WHEN seed = 0 THEN best END), 3) AS seed0,
       round(max(CASE WHEN seed = 1 THEN best END), 3) AS seed1,
       round(avg(best), 3) AS mean,
       round(max(best) - min(best), 3) AS spread
FROM per_seed
GROUP BY variant
HAVING count(*) = 2 AND min(n_lrs) = 2
ORDER BY mean DESC
