-- run_axes: one row per run with its ablation axes and context read out of runs.config_json.
-- A helper for the other views (and for ad-hoc queries that group or filter by an axis).
-- An axis that does not apply to a run is NULL: the linear-attention axes (feature_map, norm, gate) for a model
-- without linear layers, the softmax-gate axes (gate_position, ...) for a model without softmax layers, and
-- gate_granularity / gate_activation for ungated softmax attention. So "GROUP BY gate" never puts a softmax run
-- under "gla" because of an unused default.
CREATE VIEW run_axes AS
WITH c AS (
  SELECT r.run_id, r.name, r.config_json AS j,
         json_extract(r.config_json, '$.model.attn.kind') AS kind,
         json_extract(r.config_json, '$.model.n_layers') AS n_layers,
         json_extract(r.config_json, '$.model.hybrid_every') AS hybrid_every,
         json_array_length(r.config_json, '$.model.layers') AS n_layer_kinds
  FROM runs r
), k AS (
  SELECT c.*,
    -- Which attention kinds the model's layers use (harness/config: model.layers is repeated cyclically,
    -- model.hybrid_every makes every n-th layer softmax).
    CASE WHEN n_layer_kinds > 0
           THEN EXISTS (SELECT 1 FROM json_each(j, '$.model.layers') WHERE value = 'linear')
         WHEN hybrid_every > 0 THEN kind = 'linear' AND hybrid_every > 1
         ELSE kind = 'linear' END AS has_linear,
    CASE WHEN n_layer_kinds > 0
           THEN EXISTS (SELECT 1 FROM json_each(j, '$.model.layers') WHERE value = 'softmax')
         WHEN hybrid_every > 0 THEN kind = 'softmax' OR hybrid_every <= n_layers
         ELSE kind = 'softmax' END AS has_softmax,
    -- Zoology's BaseConv layers (baseconv, baseconv_long), alone or in a hybrid such as [baseconv, linear].
    CASE WHEN n_layer_kinds > 0
           THEN EXISTS (SELECT 1 FROM json_each(j, '$.model.layers') WHERE value LIKE 'baseconv%')
         ELSE kind LIKE 'baseconv%' END AS has_baseconv
  FROM c
), axes AS (
  SELECT k.run_id, k.name, k.j, k.has_linear, k.has_softmax, k.has_baseconv,
    CASE WHEN has_linear AND has_softmax THEN 'hybrid' WHEN has_softmax THEN 'softmax' WHEN has_linear THEN 'linear'
         ELSE 'baseconv' END AS attn_kind,
    CASE WHEN has_linear THEN json_extract(j, '$.model.attn.feature_map') END AS feature_map,
    CASE WHEN has_linear THEN json_extract(j, '$.model.attn.norm') END AS norm,
    CASE WHEN has_linear THEN json_extract(j, '$.model.attn.gate') END AS gate,
    CASE WHEN has_softmax THEN json_extract(j, '$.model.attn.gate_position') END AS gate_position,
    CASE WHEN has_softmax AND json_extract(j, '$.model.attn.gate_position') <> 'none'
         THEN json_extract(j, '$.model.attn.gate_granularity') END AS gate_granularity,
    CASE WHEN has_softmax AND json_extract(j, '$.model.attn.gate_position') <> 'none'
         THEN json_extract(j, '$.model.attn.gate_activation') END AS gate_activation
  FROM k
)
SELECT
  run_id,                                                       -- runs.run_id
  name,                                                         -- runs.name
  -- A short label naming the applicable axes, e.g. 'linear identity/layernorm/gla', 'softmax ungated',
  -- 'softmax G1/elementwise/sigmoid', 'hybrid identity/layernorm/gla + softmax ungated', 'baseconv + linear
  -- identity/layernorm/gla'; non-default options (softmax-gate sharing, combine and input; linear gate-bias and
  -- gate init, short conv, feature dim, readout-norm eps; softmax without RoPE or QK-norm; learned positions) are
  -- appended, so two different variants never share a label.
  CASE WHEN has_baseconv AND (has_linear OR has_softmax) THEN 'baseconv + ' ELSE '' END
    || attn_kind
    || CASE WHEN has_linear THEN ' ' || feature_map || '/' || norm || '/' || gate
            || CASE WHEN json_extract(j, '$.model.attn.gate_bias_init') <> 'uniform'
                    THEN '/bias=' || json_extract(j, '$.model.attn.gate_bias_init') ELSE '' END
            || CASE WHEN json_extract(j, '$.model.attn.gate_init') = 'fla' THEN '/init=fla' ELSE '' END
            || CASE WHEN json_extract(j, '$.model.attn.short_conv') > 0
                    THEN '/conv' || json_extract(j, '$.model.attn.short_conv') ELSE '' END
            || CASE WHEN json_extract(j, '$.model.attn.feature_dim') > 0
                    THEN '/f' || json_extract(j, '$.model.attn.feature_dim') ELSE '' END
            || CASE WHEN json_extract(j, '$.model.attn.norm_eps') <> 1e-05
                    THEN '/eps=' || json_extract(j, '$.model.attn.norm_eps') ELSE '' END
            ELSE '' END
    || CASE WHEN has_softmax THEN
         CASE WHEN has_linear THEN ' + softmax' ELSE '' END
         || CASE WHEN gate_position = 'none' THEN ' ungated'
                 ELSE ' ' || gate_position || '/' || gate_granularity || '/' || gate_activation
                      || CASE WHEN json_extract(j, '$.model.attn.gate_sharing') <> 'head_specific'
                              THEN '/' || json_extract(j, '$.model.attn.gate_sharing') ELSE '' END
                      || CASE WHEN json_extract(j, '$.model.attn.gate_combine') <> 'multiplicative'
                              THEN '/' || json_extract(j, '$.model.attn.gate_combine') ELSE '' END
                      || CASE WHEN json_extract(j, '$.model.attn.gate_input') <> 'dependent'
                              THEN '/input-' || json_extract(j, '$.model.attn.gate_input') ELSE '' END
            END
         || CASE WHEN NOT json_extract(j, '$.model.attn.rope') THEN '/norope' ELSE '' END
         || CASE WHEN NOT json_extract(j, '$.model.attn.qk_norm') THEN '/noqknorm' ELSE '' END
         || CASE WHEN json_extract(j, '$.model.attn.short_conv') > 0 AND json_extract(j, '$.model.attn.short_conv_softmax')
                 THEN '/conv' || json_extract(j, '$.model.attn.short_conv') ELSE '' END
       ELSE '' END
    || CASE WHEN json_extract(j, '$.model.pos_embedding') = 'learned' THEN ' +learned-pos' ELSE '' END AS variant,
  attn_kind,                                                    -- linear | softmax | hybrid (both) | baseconv (only)
  feature_map,                                                  -- model.attn.feature_map (linear layers)
  norm,                                                         -- model.attn.norm (linear layers)
  gate,                                                         -- model.attn.gate: decay gate (linear layers)
  gate_position,                                                -- model.attn.gate_position: none | G1..G5 (softmax)
  gate_granularity,                                             -- elementwise | headwise (gated softmax)
  gate_activation,                                              -- sigmoid | silu | ns_sigmoid ... (gated softmax)
  -- 1 when the attention is gated (a decay gate other than none, or a softmax gate position other than none).
  (has_linear AND gate <> 'none') OR (has_softmax AND gate_position <> 'none') AS gated,
  json_extract(j, '$.task.name') AS task,                       -- mqar | text
  json_extract(j, '$.task.seq_len') AS seq_len,                 -- L
  CASE WHEN json_extract(j, '$.task.name') = 'mqar'
       THEN json_extract(j, '$.task.mqar.num_kv') END AS num_kv, -- MQAR's D (NULL for other tasks)
  json_extract(j, '$.model.d_model') AS d_model,
  json_extract(j, '$.model.n_layers') AS n_layers,
  json_extract(j, '$.model.n_heads') AS n_heads,
  json_extract(j, '$.train.lr') AS lr,                          -- peak learning rate
  json_extract(j, '$.train.steps') AS steps,                    -- configured optimizer steps
  json_extract(j, '$.seed') AS seed,
  -- Everything a comparison must hold fixed (task, size, training recipe, seed), as JSON text: versus_baseline
  -- pairs a run with the baseline of equal context.
  json_array(json_extract(j, '$.task'), json_extract(j, '$.model.d_model'), json_extract(j, '$.model.n_layers'),
             json_extract(j, '$.model.n_heads'), json_extract(j, '$.train'), json_extract(j, '$.seed')) AS context_key
FROM axes;
