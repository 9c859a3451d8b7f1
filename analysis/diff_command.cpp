// `gatelab diff RUN RUN`: what tells two runs apart — the config keys whose values differ, and their final
// metrics side by side with the difference.
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "analysis/formats/output_format.h"
#include "analysis/selection.h"
#include "analysis/table.h"
#include "harness/util/cli_options.h"
#include "harness/util/errors.h"
#include "harness/util/subcommand.h"

namespace gatelab::cli {

namespace {

using analysis::Cell;
using analysis::Table;

// A nested config as dotted paths -> values ("model.attn.gate" -> "gla").
void flatten(const nlohmann::json& node, const std::string& prefix, std::map<std::string, nlohmann::json>& out) {
  if (!node.is_object()) {
    out[prefix] = node;
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it)
    flatten(*it, prefix.empty() ? it.key() : prefix + "." + it.key(), out);
}

Cell text(const std::string& s) {
  Cell c;
  c.type = Cell::Type::Text;
  c.text = s;
  return c;
}

Cell number(double v) {
  Cell c;
  if (std::isnan(v)) return c;
  c.type = Cell::Type::Real;
  c.real = v;
  return c;
}

std::map<std::string, nlohmann::json> config_of(SQLite::Database& db, const std::string& run_id) {
  const Table t = analysis::select(db, "SELECT config_json FROM run_configs WHERE run_id = ?1", {run_id});
  std::map<std::string, nlohmann::json> out;
  flatten(nlohmann::json::parse(t.rows.at(0).at(0).str()), "", out);
  return out;
}

Table config_differences(SQLite::Database& db, const std::string& a, const std::string& b) {
  const auto ca = config_of(db, a), cb = config_of(db, b);
  Table t;
  t.columns = {"key", "A", "B"};
  std::map<std::string, bool> keys;
  for (const auto& [k, v] : ca) keys[k] = true;
  for (const auto& [k, v] : cb) keys[k] = true;
  for (const auto& [key, unused] : keys) {
    const auto ia = ca.find(key), ib = cb.find(key);
    const std::string va = ia == ca.end() ? "(absent)" : ia->second.dump();
    const std::string vb = ib == cb.end() ? "(absent)" : ib->second.dump();
    if (va != vb) t.rows.push_back({text(key), text(va), text(vb)});
  }
  return t;
}

Table metric_differences(SQLite::Database& db, const std::string& a, const std::string& b) {
  const Table rows = analysis::select(db, R"sql(
    SELECT k.split, k.key, fa.value, fb.value FROM
      (SELECT DISTINCT split, key FROM final_metrics WHERE run_id IN (?1, ?2)) k
      LEFT JOIN final_metrics fa ON fa.run_id = ?1 AND fa.split = k.split AND fa.key = k.key
      LEFT JOIN final_metrics fb ON fb.run_id = ?2 AND fb.split = k.split AND fb.key = k.key
    ORDER BY k.split DESC, k.key)sql",
                                      {a, b});
  Table t;
  t.columns = {"split", "key", "A", "B", "B - A"};
  for (const auto& r : rows.rows) t.rows.push_back({r[0], r[1], r[2], r[3], number(r[3].number() - r[2].number())});
  return t;
}

}  // namespace

int diff_command(const std::vector<std::string>& args) {
  using namespace gatelab::analysis;
  po::options_description options("gatelab diff options");
  std::vector<std::string> runs;
  options.add_options()("runs", po::value<std::vector<std::string>>(&runs), "two runs: ids, id prefixes or names")(
      "db", po::value<std::string>()->default_value("results.db"), "results database")(
      "format,f", po::value<std::string>()->default_value("table"), "output format of the two tables");
  po::positional_options_description positional;
  positional.add("runs", -1);
  po::variables_map vm;
  if (!parse_options("diff", "gatelab diff RUN RUN [--db results.db] [--format table|csv|json|markdown]", args, options,
                     positional, vm))
    return 0;
  if (runs.size() != 2) throw UserError("gatelab diff: give two runs (ids, id prefixes or names)");
  auto format = output_format_registry().get(vm["format"].as<std::string>()).make();
  auto store = open_results(vm["db"].as<std::string>());
  const std::string a = resolve_run(store->db(), runs[0]), b = resolve_run(store->db(), runs[1]);
  std::cout << fmt::format("A: {} ({})\nB: {} ({})\n\n", a, runs[0], b, runs[1]);
  const Table config = config_differences(store->db(), a, b);
  std::cout << (config.empty() ? "config: identical\n" : fmt::format("config: {} keys differ\n", config.rows.size()));
  if (!config.empty()) format->write(config, std::cout);
  const Table metrics = metric_differences(store->db(), a, b);
  std::cout << (metrics.empty() ? "\nfinal metrics: none recorded\n" : "\nfinal metrics:\n");
  if (!metrics.empty()) format->write(metrics, std::cout);
  return 0;
}

}  // namespace gatelab::cli
