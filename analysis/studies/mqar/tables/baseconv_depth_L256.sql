-- db: mqar_baseconv_depth_L256.db.zst
-- BaseConv alone at L = 256, D = 16 with 2 and 4 layers (sweeps/mqar_baseconv_depth_L256.yaml, 16 epochs = 6,250
-- steps): per run, its depth, status, the steps it trained and its best validation accuracy so far ("interrupted":
-- stopped midway when the device session ended).
SELECT n_layers, d_model, lr, status, steps_done, round(best_accuracy, 4) AS best_accuracy
FROM run_summary
ORDER BY n_layers, d_model, lr
