-- mqar_best_lr: MQAR accuracy at the best learning rate, per model and (L, D) (Zoology's protocol: sweep lr,
-- report the best). A "model" is the whole resolved config except train.lr and the seed; several seeds at one lr
-- are averaged first. The accuracy of a run is its best evaluation (early stopping at 99% makes that the
-- standard number). Ties go to the smaller learning rate.
CREATE VIEW mqar_best_lr AS
WITH accuracies AS (
  SELECT s.run_id, json_remove(r.config_json, '$.train.lr', '$.seed') AS model_key,
         s.variant, s.attn_kind, s.feature_map, s.norm, s.gate, s.gate_position, s.gate_granularity,
         s.gate_activation, s.d_model, s.n_layers, s.seq_len, s.num_kv, s.lr, s.best_accuracy, s.final_accuracy,
         -- rank of the run among the seeds at its lr, so per_lr can name the best single run without a re-scan
         row_number() OVER (PARTITION BY json_remove(r.config_json, '$.train.lr', '$.seed'), s.lr
                            ORDER BY s.best_accuracy DESC, s.run_id) AS rank_at_lr
  FROM run_summary s JOIN runs r ON r.run_id = s.run_id
  WHERE s.task = 'mqar' AND s.best_accuracy IS NOT NULL
), per_lr AS (
  SELECT model_key, variant, attn_kind, feature_map, norm, gate, gate_position, gate_granularity, gate_activation,
         d_model, n_layers, seq_len, num_kv, lr,
         avg(best_accuracy) AS best_accuracy, avg(final_accuracy) AS final_accuracy, count(*) AS n_seeds,
         max(CASE WHEN rank_at_lr = 1 THEN run_id END) AS best_run_id  -- the best single run at this lr
  FROM accuracies
  GROUP BY model_key, lr
), ranked AS (
  SELECT per_lr.*,
         row_number() OVER (PARTITION BY model_key ORDER BY best_accuracy DESC, lr ASC) AS rank_in_model,
         count(*) OVER (PARTITION BY model_key) AS n_lrs,
         group_concat(lr, ' ') OVER (PARTITION BY model_key ORDER BY lr
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS lrs_tried
  FROM per_lr
)
SELECT
  variant, attn_kind, feature_map, norm, gate, gate_position, gate_granularity, gate_activation,
  d_model, n_layers,
  seq_len,                 -- L
  num_kv,                  -- D
  lr AS best_lr,           -- the learning rate with the highest accuracy
  best_accuracy,           -- its best-evaluation accuracy (mean over seeds)
  final_accuracy,          -- its last-evaluation accuracy (mean over seeds)
  n_lrs,                   -- learning rates tried
  lrs_tried,               -- them, space-separated, ascending
  n_seeds,                 -- seeds averaged at the best lr
  best_run_id,             -- the best run at the best lr
  model_key                -- the config without lr and seed (JSON): what identifies the model
FROM ranked WHERE rank_in_model = 1;
