-- db: gated_attention.db.zst
-- Max activation by layer at the last evaluation for the ungated baseline and the G1 elementwise gate at the three
-- learning rates (QK-norm on): mean, min and max over the two seeds.
SELECT variant, lr, layer, count(*) AS runs,
       round(avg(max_activation), 1) AS m_act_mean, round(min(max_activation), 1) AS m_act_min,
       round(max(max_activation), 1) AS m_act_max
FROM sink_by_layer JOIN run_summary USING (run_id, variant)
WHERE variant IN ('softmax ungated', 'softmax G1/elementwise/sigmoid')
GROUP BY variant, lr, layer
ORDER BY variant, lr, layer
