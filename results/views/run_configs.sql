-- run_configs: one row per run with its identity, name, resolved config and provenance: what a report prints as
-- "the run's config" and what run lookups by id or name read. The axes read out of the config are in run_axes.
CREATE VIEW run_configs AS
SELECT
  r.run_id,                -- hash of config_json
  r.name,                  -- human name (from the sweep template or --name); not part of identity
  r.config_json,           -- fully resolved config, canonical JSON (sorted keys)
  r.seed,                  -- copy of config.seed
  r.git_commit,            -- source commit of the binary that last ran it
  r.device,                -- "cpu (2 threads)" or the GPU name
  r.versions_json,         -- library versions as JSON
  r.data_json              -- data provenance: corpus manifest and sha256, or MQAR generator facts
FROM runs r;
