-- db: gated_attention.db.zst
-- Every case of sweeps/gated_attention.yaml: validation bits per byte at step 1,600 over its seeds (mean, std,
-- min, max), and the means over seeds of F-Attn (first-token attention share), M-Act (max activation) and the
-- mean gate score, each itself the mean over the 6 layers at the last evaluation. Best bpb first.
SELECT s.case_name AS case_name, s.variant, s.lr, s.n_seeds, s.seeds,
       round(s.mean, 4) AS bpb_mean, round(s.std, 4) AS bpb_std,
       round(s.min_value, 4) AS bpb_min, round(s.max_value, 4) AS bpb_max,
       (SELECT round(f.mean, 4) FROM seed_summary f WHERE f.case_id = s.case_id AND f.key = 'first_token_share') AS f_attn,
       (SELECT round(f.mean, 2) FROM seed_summary f WHERE f.case_id = s.case_id AND f.key = 'max_activation') AS m_act,
       (SELECT round(f.mean, 3) FROM seed_summary f WHERE f.case_id = s.case_id AND f.key = 'gate_score') AS gate_score
FROM seed_summary s
WHERE s.split = 'valid' AND s.key = 'bpb'
ORDER BY s.mean
