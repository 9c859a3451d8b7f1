-- sweep_members: one row per (sweep, run) link: which runs a sweep holds, under which name, and which of them
-- are its baselines. A run may belong to several sweeps (overlapping grids share runs).
CREATE VIEW sweep_members AS
SELECT
  sr.sweep_id,
  w.name AS sweep_name,    -- sweeps.name
  sr.run_id,
  sr.run_name,             -- the run's name within this sweep (from its name template)
  sr.is_baseline           -- 1 for the sweep's baseline case (versus_baseline compares with it)
FROM sweep_runs sr JOIN sweeps w ON w.sweep_id = sr.sweep_id;
