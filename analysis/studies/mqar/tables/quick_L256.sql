-- db: mqar_quick_L256.db.zst
-- The L = 256, D = 16 remainder of the quick slice (sweeps/mqar_quick_L256.yaml, 16 epochs = 6,250 steps, early stop
-- at 0.99): per run, its status, the steps it trained and its best validation accuracy so far. The device session
-- ended first: "interrupted" runs stopped midway (their best so far is a lower bound), "queued" ones never started.
SELECT variant, d_model, lr, status, steps_done, round(best_accuracy, 4) AS best_accuracy
FROM run_summary
ORDER BY variant, d_model, lr
