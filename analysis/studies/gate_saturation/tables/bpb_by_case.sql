-- db: gate_saturation.db.zst
-- The six cases of sweeps/gate_saturation.yaml: validation bits per byte at step 1,600 over the two seeds.
SELECT s.case_name AS case_name, s.variant, s.n_seeds, s.seeds,
       round(s.mean, 4) AS bpb_mean, round(s.std, 4) AS bpb_std,
       round(s.min_value, 4) AS bpb_min, round(s.max_value, 4) AS bpb_max
FROM seed_summary s
WHERE s.split = 'valid' AND s.key = 'bpb'
ORDER BY s.mean
