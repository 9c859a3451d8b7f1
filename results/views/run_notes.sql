-- run_notes: one row per run and note — the run's own note (source 'run') and those of the sweeps it belongs to
-- (source 'sweep NAME'); `gatelab note` writes them.
CREATE VIEW run_notes AS
SELECT r.run_id, r.name AS run_name, n.text AS note, 'run' AS source, n.updated_at
FROM notes n JOIN runs r ON n.target_kind = 'run' AND n.target = r.run_id
UNION
SELECT sr.run_id, r.name AS run_name, n.text AS note, 'sweep ' || s.name AS source, n.updated_at
FROM notes n
JOIN sweeps s ON n.target_kind = 'sweep' AND n.target = s.name
JOIN sweep_runs sr ON sr.sweep_id = s.sweep_id
JOIN runs r ON r.run_id = sr.run_id;
