-- db: mqar_baseconv_L256.db.zst
-- BaseConv alone ([baseconv, baseconv_long]) on MQAR L = 256, D = 16 with Zoology's full protocol
-- (sweeps/mqar_baseconv_L256.yaml, 64 epochs = 25,000 steps at batch 256): best validation accuracy over the
-- learning rates tried, per d_model.
SELECT d_model, seq_len, num_kv, lrs_tried, best_lr, round(best_accuracy, 4) AS best_accuracy,
       round(final_accuracy, 4) AS final_accuracy
FROM mqar_best_lr
ORDER BY d_model
