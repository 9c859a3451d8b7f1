-- db: gated_attention.db.zst
-- Max activation (M-Act, max |h| of the residual stream) by layer at the last evaluation, mean over the two
-- seeds, for the ungated baseline and the G1 elementwise gate at the three learning rates (QK-norm on), layers
-- 0 to 5 in order; the spread over seeds is in m_act_spread.csv.
SELECT variant, lr, group_concat(m_act_mean, ' / ') AS m_act_by_layer_0_to_5
FROM (SELECT variant, lr, layer, round(avg(max_activation), 1) AS m_act_mean
      FROM sink_by_layer JOIN run_summary USING (run_id, variant)
      WHERE variant IN ('softmax ungated', 'softmax G1/elementwise/sigmoid')
      GROUP BY variant, lr, layer
      ORDER BY variant DESC, lr, layer)
GROUP BY variant, lr
ORDER BY variant DESC, lr
