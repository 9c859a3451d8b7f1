-- sweep_summary: one row per sweep (one grid file's expansion), with its grid file and how many runs it links.
-- A sweep name launched with different grids has several rows; the newest has the latest created_at.
CREATE VIEW sweep_summary AS
SELECT
  w.sweep_id,              -- hash of the sweep's name and its sorted run ids
  w.name,                  -- the grid file's name:
  w.source_path,           -- the grid file as given on the command line (NULL when not recorded)
  w.source_yaml,           -- the grid file's text (NULL when not recorded)
  w.created_at,            -- ISO-8601 UTC of the first launch
  (SELECT count(*) FROM sweep_runs sr WHERE sr.sweep_id = w.sweep_id) AS n_runs,  -- runs linked to the sweep
  (SELECT count(*) FROM sweep_runs sr WHERE sr.sweep_id = w.sweep_id AND sr.is_baseline = 1)
    AS n_baselines         -- of them, the sweep's baseline runs
FROM sweeps w;
