-- layer_measures: the per-layer attention-sink and activation measures of layer_stats (docs/RESEARCH.md 2.1) at every
-- evaluated step, one measure per row (long format): the `gatelab export layers` data set. Measures a layer does
-- not have (first_token_share of a linear layer, output sparsity when ungated) are left out, not NULL.
CREATE VIEW layer_measures AS
SELECT
  v.run_id,
  a.name AS run_name,      -- runs.name
  a.variant,               -- run_axes.variant
  v.step,                  -- evaluation step
  v.layer,                 -- 0-based block index
  v.attn_kind,             -- this layer's kind: linear | softmax
  v.measure,               -- first_token_share | max_activation | output_sparsity_1e2 | output_sparsity_1e3
  v.value                  -- the layer_stats column of that name
FROM (SELECT run_id, step, layer, attn_kind, 'first_token_share' AS measure, first_token_share AS value
      FROM layer_stats
      UNION ALL SELECT run_id, step, layer, attn_kind, 'max_activation', max_activation FROM layer_stats
      UNION ALL SELECT run_id, step, layer, attn_kind, 'output_sparsity_1e2', output_sparsity_1e2
      FROM layer_stats
      UNION ALL SELECT run_id, step, layer, attn_kind, 'output_sparsity_1e3', output_sparsity_1e3
      FROM layer_stats) v
JOIN run_axes a ON a.run_id = v.run_id
WHERE v.value IS NOT NULL;
