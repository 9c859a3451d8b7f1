-- sink_by_layer: attention-sink and activation measures per run and layer at the run's last measured step
-- (docs/RESEARCH.md 2.1), with their means over the run's layers. first_token_share is NULL for linear layers.
CREATE VIEW sink_by_layer AS
SELECT
  l.run_id, a.name, a.variant, a.gated,
  l.step,                                   -- last step with layer statistics for this run
  l.layer,                                  -- 0-based block index
  l.attn_kind,                              -- this layer's kind: linear | softmax
  l.first_token_share,                      -- F-Attn: mean over heads and queries i >= 1 of A[h, i, 0]
  l.max_activation,                         -- M-Act: max |h_l| of the residual stream after the layer
  l.output_sparsity_1e2,                    -- share of gated outputs with |y| < 1e-2
  l.output_sparsity_1e3,                    -- share with |y| < 1e-3
  avg(l.first_token_share) OVER (PARTITION BY l.run_id) AS mean_first_token_share, -- over the run's softmax layers
  avg(l.max_activation) OVER (PARTITION BY l.run_id) AS mean_max_activation        -- over all the run's layers
FROM layer_stats l JOIN run_axes a ON a.run_id = l.run_id
WHERE l.step = (SELECT max(s.step) FROM layer_stats s WHERE s.run_id = l.run_id);
