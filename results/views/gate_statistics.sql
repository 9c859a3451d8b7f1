-- gate_statistics: the gate statistics of gate_stats (docs/RESEARCH.md 2.1) per layer and head at every evaluated
-- step, one statistic per row (long format): the `gatelab export gates` data set. Head -1 aggregates all heads.
CREATE VIEW gate_statistics AS
SELECT
  g.run_id,
  a.name AS run_name,      -- runs.name
  a.variant,               -- run_axes.variant
  g.step,                  -- evaluation step
  g.layer,                 -- 0-based block index
  g.head,                  -- 0-based head; -1: all heads of the layer
  g.quantity,              -- alpha, alpha_v, g, F (linear gates), gate (softmax gate score)
  s.statistic,             -- mean | sat_low | sat_high | saturation (sat_low + sat_high) | q05 | q50 | q95
  CASE s.statistic WHEN 'mean' THEN g.mean WHEN 'sat_low' THEN g.sat_low
    WHEN 'sat_high' THEN g.sat_high WHEN 'saturation' THEN g.sat_low + g.sat_high
    WHEN 'q05' THEN g.q05 WHEN 'q50' THEN g.q50 WHEN 'q95' THEN g.q95 END AS value, -- the statistic's value
  g.eps                    -- the eps of sat_low (< eps) and sat_high (> 1 - eps)
FROM gate_stats g JOIN run_axes a ON a.run_id = g.run_id
CROSS JOIN (SELECT 'mean' AS statistic UNION ALL SELECT 'sat_low' UNION ALL SELECT 'sat_high'
            UNION ALL SELECT 'saturation' UNION ALL SELECT 'q05' UNION ALL SELECT 'q50'
            UNION ALL SELECT 'q95') s;
