// `gatelab query "SQL"`: runs one read-only statement on a results DB and prints the rows.
#include <fmt/format.h>

#include <iostream>

#include "analysis/formats/output_format.h"
#include "analysis/selection.h"
#include "analysis/table.h"
#include "harness/util/cli_options.h"
#include "harness/util/subcommand.h"

namespace gatelab::cli {

int query_command(const std::vector<std::string>& args) {
  using namespace gatelab::analysis;
  po::options_description options("gatelab query options");
  options.add_options()(
      "sql", po::value<std::string>(),
      "the SQL statement (one; read-only). Tables: runs, metrics, gate_stats, "
      "gate_histograms, layer_stats, sweeps, sweep_runs, benches; views: run_summary, final_metrics, "
      "gate_saturation_by_layer, sink_by_layer, mqar_best_lr, versus_baseline, run_axes (results/README.md)")(
      "db", po::value<std::string>()->default_value("results.db"), "results database")(
      "sweep", po::value<std::string>(),
      "see only the runs of this sweep (name or id): every table and view is scoped to them")(
      "timeout", po::value<double>()->default_value(60), "stop the statement after this many seconds (0: never)")(
      "max-rows", po::value<size_t>()->default_value(1000000), "refuse a result of more rows (0: no cap)")(
      "format,f", po::value<std::string>()->default_value("table"),
      ("output format: " +
       [] {
         std::string s;
         for (const auto& n : output_format_registry().names()) s += (s.empty() ? "" : ", ") + n;
         return s;
       }())
          .c_str());
  po::positional_options_description positional;
  positional.add("sql", 1);
  po::variables_map vm;
  if (!parse_options("query",
                     "gatelab query \"SELECT ...\" [--db FILE] [--sweep NAME] [--format table|csv|json|markdown]", args,
                     options, positional, vm))
    return 0;
  if (!vm.count("sql"))
    throw UserError("gatelab query: give the SQL to run, e.g. gatelab query \"SELECT * FROM run_summary\"");
  auto format = output_format_registry().get(vm["format"].as<std::string>()).make();
  auto store = open_results(vm["db"].as<std::string>());
  if (vm.count("sweep")) {
    const std::string sweep = vm["sweep"].as<std::string>();
    const SweepInfo info = resolve_sweep(store->db(), sweep);
    store->scope_to_sweep(sweep == info.name ? info.name : info.sweep_id);  // a name: every launch of it
  }
  const QueryLimits limits{vm["timeout"].as<double>(), vm["max-rows"].as<size_t>()};
  if (limits.seconds < 0) throw UserError("--timeout must be >= 0 seconds");
  Table table = select_bounded(store->db(), vm["sql"].as<std::string>(), limits);
  if (table.empty() && format->for_people()) {
    std::cout << "no rows\n";
    return 0;
  }
  format->write(table, std::cout);
  if (table.empty()) std::cerr << "no rows\n";
  return 0;
}

}  // namespace gatelab::cli
