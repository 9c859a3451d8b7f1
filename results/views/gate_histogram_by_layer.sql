-- gate_histogram_by_layer: per run, layer and gate quantity, the histogram of gate values at the run's last step
-- with histograms, each bin with its share of the layer's values, so runs and layers with different evaluation
-- sizes compare directly (the gate_histograms plot). Every step is in gate_histogram_rows.
CREATE VIEW gate_histogram_by_layer AS
SELECT
  h.run_id, a.name, a.variant,
  h.step,                  -- last step with gate histograms for this run
  h.layer,                 -- 0-based block index
  h.quantity,              -- as in gate_stats: alpha, alpha_v, g, F, gate
  h.bin,                   -- 0-based bin index
  h.lo,                    -- the bin's lower edge
  h.hi,                    -- its upper edge
  h.count,                 -- values in [lo, hi) (the last bin includes hi)
  CAST(h.count AS REAL) / sum(h.count) OVER (PARTITION BY h.run_id, h.step, h.layer, h.quantity)
    AS share               -- count / the values of this layer and quantity
FROM gate_histograms h JOIN run_axes a ON a.run_id = h.run_id
WHERE h.step = (SELECT max(x.step) FROM gate_histograms x WHERE x.run_id = h.run_id);
