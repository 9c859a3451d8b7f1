-- gate_histogram_rows: every bin of every gate-value histogram (per run, evaluated step, layer and quantity,
-- all heads together), with the run's name and variant: the `gatelab export histograms` data set.
CREATE VIEW gate_histogram_rows AS
SELECT
  h.run_id,
  a.name AS run_name,      -- runs.name
  a.variant,               -- run_axes.variant
  h.step,                  -- evaluation step
  h.layer,                 -- 0-based block index
  h.quantity,              -- as in gate_stats: alpha, alpha_v, g, F, gate
  h.bin,                   -- 0-based bin index
  h.lo,                    -- the bin's lower edge
  h.hi,                    -- its upper edge
  h.count                  -- values in [lo, hi) (the last bin includes hi)
FROM gate_histograms h JOIN run_axes a ON a.run_id = h.run_id;
