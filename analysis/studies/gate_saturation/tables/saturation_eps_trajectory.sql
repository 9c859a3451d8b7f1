-- db: gate_saturation.db.zst
-- The follow-up runs (sweeps/gate_saturation_eps.yaml: LayerNorm eps 1e-12, saturation cut 0.005): the probes'
-- saturation statistic (share of values within 0.005 of 0 or 1, all heads of a layer), mean over the 4 layers and
-- the 2 seeds, at steps 0 / 100 / 800 / 1,600.
SELECT gate, quantity, group_concat(saturation, ' / ') AS saturation_step_0_100_800_1600
FROM (SELECT replace(variant, 'linear regla/layernorm/', '') AS gate, quantity, step,
             round(avg(CASE WHEN statistic = 'saturation' THEN value END), 3) AS saturation
      FROM gate_statistics
      WHERE head = -1 AND step IN (0, 100, 800, 1600) AND variant LIKE '%eps=%'
      GROUP BY 1, 2, 3
      ORDER BY gate, quantity, step)
GROUP BY gate, quantity
ORDER BY gate, quantity
