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
       "SELECT * FROM metric_rows", "run_id, split, key, step", false, true},
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
       "SELECT * FROM layer_measures", "run_id, step, layer, measure", false, false},
      {"gates",
       "gate statistics per layer and head (head -1: all heads) at every evaluated step: run, step, "
       "layer, head, quantity, statistic, value, eps",
       "SELECT * FROM gate_statistics", "run_id, step, layer, head, quantity, statistic", false, false},
      {"histograms",
       "gate-value histograms per layer at every evaluated step: run, step, layer, quantity, bin, lo, "
       "hi, count",
       "SELECT * FROM gate_histogram_rows", "run_id, step, layer, quantity, bin", false, false},
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
  return select_strings(db, "SELECT key FROM metric_keys ORDER BY key");
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
