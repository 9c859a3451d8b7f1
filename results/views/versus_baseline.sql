-- versus_baseline: each sweep member's final validation metrics minus its sweep's baseline run's
-- (sweep_runs.is_baseline = 1). When a sweep has several baselines, a run is paired with the baseline of equal
-- context (run_axes.context_key: task, size, training recipe, seed); a sweep with a single baseline pairs every
-- run with it. Runs without a baseline are left out. The baseline's own rows have delta 0.
CREATE VIEW versus_baseline AS
WITH members AS (
  SELECT sr.sweep_id, sr.run_id, sr.run_name, sr.is_baseline, a.context_key
  FROM sweep_runs sr JOIN run_axes a ON a.run_id = sr.run_id
), pairs AS (
  SELECT m.*,
    COALESCE(
      (SELECT b.run_id FROM members b
       WHERE b.sweep_id = m.sweep_id AND b.is_baseline = 1 AND b.context_key = m.context_key
       ORDER BY b.run_id LIMIT 1),
      (SELECT CASE WHEN count(*) = 1 THEN max(b.run_id) END FROM members b
       WHERE b.sweep_id = m.sweep_id AND b.is_baseline = 1)
    ) AS baseline_run_id
  FROM members m
)
SELECT
  p.sweep_id, w.name AS sweep_name,
  p.run_id, p.run_name, a.variant,
  p.is_baseline,
  p.baseline_run_id,
  ab.variant AS baseline_variant,
  f.key,                                    -- a valid-split metric: loss, accuracy, bpb, ppl, first_token_share, ...
  f.step,                                   -- the run's last step with it
  f.value,                                  -- the run's final value
  fb.value AS baseline_value,               -- the baseline's final value
  f.value - fb.value AS delta,              -- value - baseline_value (negative: lower than the baseline)
  (f.value - fb.value) / NULLIF(abs(fb.value), 0) AS relative_delta, -- delta / |baseline_value|
  md.better,                                -- metric_definitions.better: lower | higher | neither
  CASE md.better WHEN 'lower' THEN f.value < fb.value
                 WHEN 'higher' THEN f.value > fb.value END AS improved -- 1: better than the baseline (NULL: neither)
FROM pairs p
JOIN sweeps w ON w.sweep_id = p.sweep_id
JOIN run_axes a ON a.run_id = p.run_id
JOIN run_axes ab ON ab.run_id = p.baseline_run_id
JOIN final_metrics f ON f.run_id = p.run_id AND f.split = 'valid'
JOIN final_metrics fb ON fb.run_id = p.baseline_run_id AND fb.split = 'valid' AND fb.key = f.key
LEFT JOIN metric_definitions md ON md.key = f.key;
