-- gate_saturation_by_layer: per run, layer and gate quantity, the gate statistics over all heads at the run's
-- last measured step (docs/RESEARCH.md 2.1): mean, saturation share (values < eps or > 1 - eps) and quantiles, plus
-- the most saturated head. Quantities: alpha (key-side decay), alpha_v (value side), g and F (refining gate),
-- gate (softmax gate score). Every step and head is in the gate_stats table.
CREATE VIEW gate_saturation_by_layer AS
SELECT
  g.run_id, a.name, a.variant,
  g.step,                                  -- last step with gate statistics for this run
  g.layer,                                 -- 0-based block index
  g.quantity,
  g.mean,                                  -- mean gate value
  g.sat_low,                               -- share of values < eps
  g.sat_high,                              -- share of values > 1 - eps
  g.sat_low + g.sat_high AS saturation,    -- share of saturated values
  g.q05, g.q50, g.q95,                     -- quantiles
  g.eps,
  (SELECT max(h.sat_low + h.sat_high) FROM gate_stats h
   WHERE h.run_id = g.run_id AND h.step = g.step AND h.layer = g.layer AND h.quantity = g.quantity
     AND h.head >= 0) AS max_head_saturation, -- saturation of the most saturated head
  (SELECT count(*) FROM gate_stats h
   WHERE h.run_id = g.run_id AND h.step = g.step AND h.layer = g.layer AND h.quantity = g.quantity
     AND h.head >= 0) AS n_heads              -- heads with their own row
FROM gate_stats g JOIN run_axes a ON a.run_id = g.run_id
WHERE g.head = -1 AND g.step = (SELECT max(s.step) FROM gate_stats s WHERE s.run_id = g.run_id);
