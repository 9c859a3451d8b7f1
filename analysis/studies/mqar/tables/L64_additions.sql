-- db: mqar_quick.db.zst
-- The L = 64, D = 4 follow-ups run into the quick slice's DB (16 epochs = 3,125 steps, early stop at 0.99): short
-- convolutions for elu+1, fast decay and Based (sweeps/mqar_shortconv_L64.yaml), ReGLA at LayerNorm eps 1e-12
-- (sweeps/mqar_regla_eps_L64.yaml) and seed 1 at d_model 64 (sweeps/mqar_seed1_L64.yaml). Per run: its sweep,
-- status, the steps it trained and its best validation accuracy ("interrupted": stopped midway, a lower bound).
SELECT w.name AS sweep, s.variant, s.d_model, s.lr, s.seed, s.status, s.steps_done,
       round(s.best_accuracy, 4) AS best_accuracy
FROM run_summary s JOIN sweep_runs r USING (run_id) JOIN sweeps w USING (sweep_id)
WHERE w.name IN ('mqar_shortconv_L64', 'mqar_regla_eps_L64', 'mqar_seed1_L64')
ORDER BY w.name, s.variant, s.d_model, s.lr
