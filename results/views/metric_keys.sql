-- metric_keys: the metric keys recorded for some run (any split), one row each: what --metric and --key accept.
CREATE VIEW metric_keys AS
SELECT DISTINCT
  key                      -- metrics.key: loss, accuracy, bpb, ppl, lr, grad_norm, ...
FROM metrics;
