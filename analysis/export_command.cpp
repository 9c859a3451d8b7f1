// `gatelab export WHAT`: tidy CSV (one observation per row) of metrics, summaries and per-layer statistics,
// filtered by sweep, run or variant.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "analysis/datasets.h"
#include "analysis/formats/output_format.h"
#include "analysis/selection.h"
#include "harness/util/cli_options.h"
#include "harness/util/subcommand.h"

namespace gatelab::cli {

namespace {

std::string dataset_help() {
  std::string s = "what to export: all (every data set, one file each, into --out-dir)";
  for (const auto& d : analysis::datasets()) s += "; " + d.name + ": " + d.summary;
  return s;
}

void write_csv(const analysis::Table& table, const std::string& path) {
  auto csv = analysis::output_format_registry().get("csv").make();
  if (path.empty() || path == "-") {
    csv->write(table, std::cout);
    return;
  }
  std::ofstream out(path);
  if (!out) throw UserError(fmt::format("cannot write '{}'", path));
  csv->write(table, out);
  out.close();
  if (!out) throw Error(fmt::format("writing '{}' failed", path));
}

}  // namespace

int export_command(const std::vector<std::string>& args) {
  using namespace gatelab::analysis;
  po::options_description options("gatelab export options");
  RunFilter filter;
  std::vector<std::string> keys;
  options.add_options()("what", po::value<std::string>(), dataset_help().c_str())(
      "db", po::value<std::string>()->default_value("results.db"), "results database")(
      "sweep", po::value<std::vector<std::string>>(&filter.sweeps)->composing(),
      "only runs of this sweep (name or id; repeatable)")(
      "run", po::value<std::vector<std::string>>(&filter.runs)->composing(),
      "only this run (id, id prefix or name; repeatable)")(
      "variant", po::value<std::vector<std::string>>(&filter.variants)->composing(),
      "only runs of this variant (run_summary.variant, exact or a glob like 'softmax G1*'; repeatable)")(
      "key", po::value<std::vector<std::string>>(&keys)->composing(),
      "metrics, final, baseline: only this metric key (repeatable)")(
      "split", po::value<std::string>()->default_value(""), "metrics, final: only train or valid")(
      "output,o", po::value<std::string>()->default_value("-"), "CSV file to write (- for stdout)")(
      "out-dir", po::value<std::string>()->default_value("."), "with 'all': folder for <data set>.csv files");
  po::positional_options_description positional;
  positional.add("what", 1);
  po::variables_map vm;
  if (!parse_options("export", "gatelab export WHAT [--sweep S] [--run R] [--variant V] [--key K] [-o FILE]", args,
                     options, positional, vm))
    return 0;
  if (!vm.count("what")) {
    std::string names;
    for (const auto& d : datasets()) names += ", " + d.name;
    throw UserError("gatelab export: say what to export: all" + names);
  }
  const std::string what = vm["what"].as<std::string>();
  auto store = open_results(vm["db"].as<std::string>());
  DatasetQuery query;
  query.runs = select_runs(store->db(), filter);
  query.keys = keys;
  query.split = vm["split"].as<std::string>();
  if (!query.split.empty() && query.split != "train" && query.split != "valid")
    throw UserError(unknown_name_message("split", query.split, {"train", "valid"}));
  if (what == "all") {
    const std::string dir = vm["out-dir"].as<std::string>();
    std::filesystem::create_directories(dir);
    for (const auto& d : datasets()) {
      DatasetQuery q = query;
      if (!d.has_metric_key) q.keys.clear();
      Table table = read_dataset(store->db(), d, q);
      std::string path = (std::filesystem::path(dir) / (d.name + ".csv")).string();
      write_csv(table, path);
      std::cerr << fmt::format("wrote {} ({} rows)\n", path, table.rows.size());
    }
    return 0;
  }
  const Dataset& d = dataset(what);
  if (!keys.empty() && !d.has_metric_key)
    throw UserError(fmt::format("gatelab export {}: --key applies to metrics, final and baseline only", what));
  Table table = read_dataset(store->db(), d, query);
  write_csv(table, vm["output"].as<std::string>());
  if (table.empty()) std::cerr << "no rows\n";
  else if (vm["output"].as<std::string>() != "-")
    std::cerr << fmt::format("wrote {} ({} rows)\n", vm["output"].as<std::string>(), table.rows.size());
  return 0;
}

}  // namespace gatelab::cli
