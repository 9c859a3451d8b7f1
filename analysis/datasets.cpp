#include "analysis/datasets.h"

#include <fmt/format.h>

#include <algorithm>

#include "harness/util/errors.h"

namespace gatelab::analysis {

const std::vector<Dataset>& datasets() {
  // Long format wherever a table has several measures per row: one observation (run, step, ..., measure, value)
  // per CSV row, so pandas / R / gnuplot can group and pivot without knowing the schema.
  static const std::vector<Dataset> all = {
      {"metrics",
       "every recorded metric: run, step, split, key, value (train loss/lr/grad_norm/tokens_per_s; valid "
       "loss, accuracy, bpb, ppl, probe means)",
       R"sql(SELECT m.run_id, a.name AS run_name, a.variant, m.step, m.split, m.key, m.value
             FROM metrics m JOIN run_axes a ON a.run_id = m.run_id)sql",
       "run_id, split, key, step", false, true},
      {"summary", "run_summary: one row per run with its ablation axes, status and final/best results",
       "SELECT * FROM run_summary", "run_id", false, false},
      {"final", "final_metrics: each run's last value (and range) of every metric",
       R"sql(SELECT f.run_id, a.name AS run_name, a.variant, f.split, f.key, f.step, f.value, f.min_value,
                    f.max_value, f.n_values
             FROM final_metrics f JOIN run_axes a ON a.run_id = f.run_id)sql",
       "run_id, split, key", false, true},
      {"layers",
       "per-layer attention-sink and activation measures at every evaluated step: run, step, layer, "
       "measure, value",
       R"sql(SELECT v.run_id, a.name AS run_name, a.variant, v.step, v.layer, v.attn_kind, v.measure, v.value
             FROM (SELECT run_id, step, layer, attn_kind, 'first_token_share' AS measure, first_token_share AS value
                   FROM layer_stats
                   UNION ALL SELECT run_id, step, layer, attn_kind, 'max_activation', max_activation FROM layer_stats
                   UNION ALL SELECT run_id, step, layer, attn_kind, 'output_sparsity_1e2', output_sparsity_1e2
                   FROM layer_stats
                   UNION ALL SELECT run_id, step, layer, attn_kind, 'output_sparsity_1e3', output_sparsity_1e3
                   FROM layer_stats) v
             JOIN run_axes a ON a.run_id = v.run_id
             WHERE v.value IS NOT NULL)sql",
       "run_id, step, layer, measure", false, false},
      {"gates",
       "gate statistics per layer and head (head -1: all heads) at every evaluated step: run, step, "
       "layer, head, quantity, statistic, value, eps",
       R"sql(SELECT g.run_id, a.name AS run_name, a.variant, g.step, g.layer, g.head, g.quantity, s.statistic,
                    CASE s.statistic WHEN 'mean' THEN g.mean WHEN 'sat_low' THEN g.sat_low
                      WHEN 'sat_high' THEN g.sat_high WHEN 'saturation' THEN g.sat_low + g.sat_high
                      WHEN 'q05' THEN g.q05 WHEN 'q50' THEN g.q50 WHEN 'q95' THEN g.q95 END AS value,
                    g.eps
             FROM gate_stats g JOIN run_axes a ON a.run_id = g.run_id
             CROSS JOIN (SELECT 'mean' AS statistic UNION ALL SELECT 'sat_low' UNION ALL SELECT 'sat_high'
                         UNION ALL SELECT 'saturation' UNION ALL SELECT 'q05' UNION ALL SELECT 'q50'
                         UNION ALL SELECT 'q95') s)sql",
       "run_id, step, layer, head, quantity, statistic", false, false},
      {"histograms",
       "gate-value histograms per layer at every evaluated step: run, step, layer, quantity, bin, lo, "
       "hi, count",
       R"sql(SELECT h.run_id, a.name AS run_name, a.variant, h.step, h.layer, h.quantity, h.bin, h.lo, h.hi, h.count
             FROM gate_histograms h JOIN run_axes a ON a.run_id = h.run_id)sql",
       "run_id, step, layer, quantity, bin", false, false},
      {"baseline", "versus_baseline: each sweep run's final validation metrics minus its baseline's",
       "SELECT * FROM versus_baseline", "sweep_id, run_id, key", true, true},
  };
  return all;
}

const Dataset& dataset(const std::string& name) {
  for (const auto& d : datasets())
    if (d.name == name) return d;
  std::vector<std::string> names;
  for (const auto& d : datasets()) names.push_back(d.name);
  throw UserError(unknown_name_message("data set", name, names));
}

std::vector<std::string> metric_keys(SQLite::Database& db) {
  return select_strings(db, "SELECT DISTINCT key FROM metrics ORDER BY key");
}

void check_metric_key(SQLite::Database& db, const std::string& key) {
  auto keys = metric_keys(db);
  if (std::find(keys.begin(), keys.end(), key) == keys.end())
    throw UserError(keys.empty() ? fmt::format("unknown metric '{}': this database holds no metrics yet", key)
                                 : unknown_name_message("metric", key, keys));
}

Table read_dataset(SQLite::Database& db, const Dataset& dataset, const DatasetQuery& query) {
  std::vector<std::string> params;
  std::string where = query.runs.sql_in("d.run_id", params);
  if (dataset.sweep_scoped) where += " AND " + query.runs.sweep_sql_in("d.sweep_id", params);
  if (dataset.has_metric_key) {
    if (!query.keys.empty()) {
      std::string in;
      for (const auto& key : query.keys) {
        check_metric_key(db, key);
        params.push_back(key);
        in += fmt::format("{}?{}", in.empty() ? "" : ", ", params.size());
      }
      where += " AND d.key IN (" + in + ")";
    }
    if (!query.split.empty() && dataset.name != "baseline") {
      if (query.split != "train" && query.split != "valid")
        throw UserError(unknown_name_message("split", query.split, {"train", "valid"}));
      params.push_back(query.split);
      where += fmt::format(" AND d.split = ?{}", params.size());
    }
  }
  return select(db, fmt::format("SELECT d.* FROM ({}) d WHERE {} ORDER BY {}", dataset.sql, where, dataset.order_by),
                params);
}

}  // namespace gatelab::analysis
