-- db: gate_saturation.db.zst
-- Near-saturation from the 20-bin histograms: the share of gate values in the first bin [0, 0.05) and the last
-- bin [0.95, 1], all layers and both seeds pooled, at the init (step 0), early (100), the middle (800) and the end
-- (1,600). The +-6 bias init puts sigma(b) at 0.0025 / 0.9975, inside these bins but not beyond the 1e-3 cut of
-- the saturation statistic (saturation_by_step.csv), so this is the measure that sees it.
SELECT replace(variant, 'linear regla/layernorm/', '') AS gate, quantity, step,
       count(DISTINCT run_id) AS runs,
       round(CAST(sum(CASE WHEN bin = 0 THEN count ELSE 0 END) AS REAL) / sum(count), 3) AS share_below_0_05,
       round(CAST(sum(CASE WHEN bin = 19 THEN count ELSE 0 END) AS REAL) / sum(count), 3) AS share_above_0_95,
       round(CAST(sum(CASE WHEN bin IN (0, 19) THEN count ELSE 0 END) AS REAL) / sum(count), 3) AS share_at_edges
FROM gate_histogram_rows
WHERE step IN (0, 100, 800, 1600)
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
