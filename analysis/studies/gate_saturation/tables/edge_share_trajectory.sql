-- db: gate_saturation.db.zst
-- edge_share_by_step.sql in one row per gate and quantity: the share of gate values in the first or last
-- histogram bin ([0, 0.05) or [0.95, 1]) at steps 0 / 100 / 800 / 1,600, layers and seeds pooled.
SELECT gate, quantity, group_concat(share_at_edges, ' / ') AS at_edges_step_0_100_800_1600
FROM (SELECT replace(variant, 'linear regla/layernorm/', '') AS gate, quantity, step,
             round(CAST(sum(CASE WHEN bin IN (0, 19) THEN count ELSE 0 END) AS REAL) / sum(count), 3) AS share_at_edges
      FROM gate_histogram_rows
      WHERE step IN (0, 100, 800, 1600)
      GROUP BY 1, 2, 3
      ORDER BY gate, quantity, step)
GROUP BY gate, quantity
ORDER BY gate, quantity
