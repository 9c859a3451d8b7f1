-- run_tags: one row per run and tag — the run's own tags (source 'run') and those of every sweep it belongs to
-- (source 'sweep NAME'); `gatelab tag` writes them. Join on run_id: ... JOIN run_tags USING (run_id) WHERE key = 'idea'.
CREATE VIEW run_tags AS
SELECT r.run_id, r.name AS run_name, t.key, t.value, 'run' AS source
FROM tags t JOIN runs r ON t.target_kind = 'run' AND t.target = r.run_id
UNION
SELECT sr.run_id, r.name AS run_name, t.key, t.value, 'sweep ' || s.name AS source
FROM tags t
JOIN sweeps s ON t.target_kind = 'sweep' AND t.target = s.name
JOIN sweep_runs sr ON sr.sweep_id = s.sweep_id
JOIN runs r ON r.run_id = sr.run_id;
