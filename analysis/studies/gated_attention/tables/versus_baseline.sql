-- db: gated_attention.db.zst
-- Each case against the QK-norm baseline at lr 1e-3 (view versus_baseline_by_case): the difference in validation
-- bits per byte, paired by seed (mean over the two seeds and its t-based 95% interval, 1 degree of freedom).
-- The interval of a two-seed difference is wide by construction (t = 12.7).
SELECT v.case_name AS case_name, v.n_seeds,
       round(v.delta_mean, 4) AS delta_bpb, round(v.delta_ci95_low, 4) AS ci95_low,
       round(v.delta_ci95_high, 4) AS ci95_high, v.improved_beyond_noise
FROM versus_baseline_by_case v
WHERE v.key = 'bpb' AND v.is_baseline = 0
ORDER BY v.delta_mean
