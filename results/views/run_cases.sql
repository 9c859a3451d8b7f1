-- run_cases: one row per run with the case it is a seed of. A case is a resolved config without its seed
-- ($.seed): runs that differ only in the seed repeat one experiment, and seed_summary, metric_by_case and
-- versus_baseline_by_case collapse them. A case is identified by its smallest run id (case_id), so it has a
-- short, stable handle that is also a run id (run_axes.variant etc. of that run describe the whole case).
CREATE VIEW run_cases AS
WITH c AS (
  SELECT r.run_id, r.name, json_extract(r.config_json, '$.seed') AS seed,
         json_remove(r.config_json, '$.seed') AS case_key,
         -- The run's name without its seed: a sweep's default names end in ",seed=N" or are "seed=N"
         -- (sweeps/grid.cpp); other names are kept as they are.
         CASE WHEN r.name LIKE '%,seed=' || json_extract(r.config_json, '$.seed')
                THEN substr(r.name, 1, length(r.name) - length(',seed=' || json_extract(r.config_json, '$.seed')))
              WHEN r.name = 'seed=' || json_extract(r.config_json, '$.seed') THEN 'all seeds'
              ELSE r.name END AS unseeded_name
  FROM runs r
), w AS (
  SELECT c.*, min(run_id) OVER cases AS case_id, count(*) OVER cases AS n_runs,
         min(unseeded_name) OVER cases AS first_name, max(unseeded_name) OVER cases AS last_name
  FROM c WINDOW cases AS (PARTITION BY case_key)
)
SELECT
  w.run_id,
  w.seed,                  -- the run's seed ($.seed)
  w.case_id,               -- the smallest run id of the case
  -- The case's name: the runs' common name without the seed, else (names from a template that differ beyond the
  -- seed) the case's variant label.
  CASE WHEN w.first_name = w.last_name THEN w.first_name ELSE a.variant END AS case_name,
  w.n_runs,                -- runs of the case in this DB (its seeds)
  w.case_key               -- the resolved config without the seed (JSON text): what identifies the case
FROM w JOIN run_axes a ON a.run_id = w.case_id;
