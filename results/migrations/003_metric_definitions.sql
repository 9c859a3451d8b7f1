-- What each metric key means: the metric registry (results/metrics_builtin.cpp), mirrored into the DB by every
-- writable open, so views and ad-hoc queries read a metric's direction, unit and label from the one place it is
-- declared.
CREATE TABLE metric_definitions (
  key     TEXT PRIMARY KEY,  -- metrics.key
  better  TEXT NOT NULL,     -- lower | higher | neither (a measurement, not a score)
  unit    TEXT NOT NULL,     -- '' when unitless
  label   TEXT NOT NULL,     -- axis and column label
  meaning TEXT NOT NULL      -- one line
);
