-- run_summary: one row per run — its ablation axes as columns, status, progress, and final and best validation
-- results. "final" is the value at the last evaluation; "best" the best over all evaluations (lowest loss / bpb /
-- perplexity, highest accuracy). Perplexity and bpb exist for text tasks, accuracy for MQAR; the others are NULL.
CREATE VIEW run_summary AS
SELECT
  a.run_id, a.name,
  (SELECT group_concat(name, ', ') FROM (SELECT DISTINCT s.name FROM sweep_runs sr JOIN sweeps s ON s.sweep_id = sr.sweep_id
   WHERE sr.run_id = a.run_id ORDER BY s.name)) AS sweep,  -- the sweeps it belongs to, by name ('a, b'; NULL: none)
  a.variant,
  a.attn_kind, a.feature_map, a.norm, a.gate, a.gate_position, a.gate_granularity, a.gate_activation, a.gated,
  a.task, a.seq_len, a.num_kv, a.d_model, a.n_layers, a.lr, a.seed,
  r.status,                -- queued | running | finished | diverged | failed | interrupted | stopped | oom
  r.status_reason,
  a.steps,                 -- configured steps
  r.steps_done,            -- steps completed
  r.tokens_done,           -- training tokens consumed
  r.tokens_per_s,          -- mean training throughput (tokens/s)
  r.n_params,
  (SELECT max(step) FROM metrics m WHERE m.run_id = a.run_id AND m.split = 'valid' AND m.key = 'loss') AS final_step,
  (SELECT value FROM metrics m WHERE m.run_id = a.run_id AND m.split = 'valid' AND m.key = 'loss'
   ORDER BY step DESC LIMIT 1) AS final_valid_loss,
  (SELECT min(value) FROM metrics m WHERE m.run_id = a.run_id AND m.split = 'valid' AND m.key = 'loss') AS best_valid_loss,
  (SELECT value FROM metrics m WHERE m.run_id = a.run_id AND m.split = 'valid' AND m.key = 'ppl'
   ORDER BY step DESC LIMIT 1) AS final_ppl,
  (SELECT min(value) FROM metrics m WHERE m.run_id = a.run_id AND m.split = 'valid' AND m.key = 'ppl') AS best_ppl,
  (SELECT value FROM metrics m WHERE m.run_id = a.run_id AND m.split = 'valid' AND m.key = 'bpb'
   ORDER BY step DESC LIMIT 1) AS final_bpb,
  (SELECT min(value) FROM metrics m WHERE m.run_id = a.run_id AND m.split = 'valid' AND m.key = 'bpb') AS best_bpb,
  (SELECT value FROM metrics m WHERE m.run_id = a.run_id AND m.split = 'valid' AND m.key = 'accuracy'
   ORDER BY step DESC LIMIT 1) AS final_accuracy,
  (SELECT max(value) FROM metrics m WHERE m.run_id = a.run_id AND m.split = 'valid' AND m.key = 'accuracy') AS best_accuracy,
  r.started_at, r.ended_at, r.git_commit, r.device
FROM run_axes a JOIN runs r ON r.run_id = a.run_id;
