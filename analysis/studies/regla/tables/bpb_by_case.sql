-- db: regla_reduced.db.zst
-- Every case of the three ReGLA sweeps in this DB (regla_reduced, regla_norm_axis, regla_seeds; seeds of one
-- case from different sweeps are pooled): validation bits per byte at step 1,600 over its seeds. Best first.
SELECT s.variant, s.case_name AS case_name, s.n_seeds, s.seeds,
       round(s.mean, 4) AS bpb_mean, round(s.std, 4) AS bpb_std,
       round(s.min_value, 4) AS bpb_min, round(s.max_value, 4) AS bpb_max
FROM seed_summary s
WHERE s.split = 'valid' AND s.key = 'bpb'
ORDER BY s.mean
