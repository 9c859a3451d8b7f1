-- db: gate_saturation.db.zst
-- Gate saturation over training: the share of gate values below 1e-3 or above 1 - 1e-3 (all heads of a layer),
-- averaged over the 4 layers and the 2 seeds, at the init (step 0), early (100), the middle (800) and the end
-- (1,600); alpha is the decay the state sees (F for the refining gate), g the refining gate's inner gate, alpha_v
-- fast decay's value-side factor.
SELECT replace(variant, 'linear regla/layernorm/', '') AS gate, quantity, step,
       count(DISTINCT run_id) AS runs,
       round(avg(CASE WHEN statistic = 'saturation' THEN value END), 3) AS saturation,
       round(avg(CASE WHEN statistic = 'sat_low' THEN value END), 3) AS below_eps,
       round(avg(CASE WHEN statistic = 'sat_high' THEN value END), 3) AS above_1_minus_eps,
       round(avg(CASE WHEN statistic = 'mean' THEN value END), 3) AS mean_value
FROM gate_statistics
WHERE head = -1 AND step IN (0, 100, 800, 1600)
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
