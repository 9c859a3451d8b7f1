// `gatelab rekey [--db results.db] [--dry-run]`: gives the runs and sweeps of a results DB the ids this version's
// identity rules compute from their stored configs. A DB written before a change to those rules (the scope-based
// identity of issue 17, a key added to the schema) holds its runs under ids that `gatelab sweep run` no longer
// plans, so relaunching a grid into it would train every run again. After re-keying, the relaunch finds them:
// finished runs are skipped, the others resume (from step 0 when their checkpoint was written under the old id,
// which the checkpoint names). Idempotent: a second rekey changes nothing.
#include <fmt/format.h>

#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "analysis/selection.h"
#include "harness/config/config.h"
#include "harness/util/cli_options.h"
#include "harness/util/errors.h"
#include "harness/util/exit_codes.h"
#include "harness/util/subcommand.h"
#include "results/store.h"
#include "sweeps/grid.h"

namespace gatelab::cli {

namespace {

// The plan, and what the command tells the researcher about it.
struct RekeyReport {
  results::RekeyPlan plan;
  size_t runs = 0, merged = 0;
  std::vector<std::string> kept;  // "run ID: why its id stays"
};

// Each stored run whose config resolves to another id, with its config resolved again.
void plan_runs(results::Store& store, RekeyReport& report, std::map<std::string, std::string>& new_id_of) {
  std::set<std::string> held;
  const auto runs = store.stored_runs();
  report.runs = runs.size();
  for (const auto& run : runs) held.insert(run.run_id);
  std::set<std::string> targets;
  for (const auto& run : runs) {
    new_id_of[run.run_id] = run.run_id;
    config::json resolved;
    try {
      resolved = config::resolve(config::json::parse(run.config_json));
    } catch (const config::json::exception& e) {
      report.kept.push_back(fmt::format("run {}: its stored config is not JSON ({})", run.run_id, e.what()));
      continue;
    } catch (const UserError& e) {
      report.kept.push_back(
          fmt::format("run {}: its config does not resolve in this version: {}", run.run_id, e.what()));
      continue;
    }
    const std::string new_id = config::hash(resolved);
    if (new_id == run.run_id) continue;
    new_id_of[run.run_id] = new_id;
    if (held.count(new_id) || !targets.insert(new_id).second) ++report.merged;
    report.plan.runs.push_back({run.run_id, new_id, config::canonical(resolved)});
  }
}

// Each sweep whose members' new ids give it another id.
void plan_sweeps(results::Store& store, RekeyReport& report, const std::map<std::string, std::string>& new_id_of) {
  for (const auto& sweep : store.stored_sweeps()) {
    std::set<std::string> members;  // two old runs merged into one count once, as a sweep plan keeps them
    for (const auto& id : sweep.run_ids) members.insert(new_id_of.count(id) ? new_id_of.at(id) : id);
    const std::string new_id = sweeps::sweep_identity(sweep.name, {members.begin(), members.end()});
    if (new_id != sweep.sweep_id) report.plan.sweeps.push_back({sweep.sweep_id, new_id});
  }
}

void print_report(const RekeyReport& report, const std::string& db_path, bool dry_run) {
  for (const auto& why : report.kept) std::cout << "kept its id: " << why << "\n";
  if (dry_run)
    for (const auto& change : report.plan.runs)
      std::cout << fmt::format("run {} -> {}\n", change.old_id, change.new_id);
  std::cout << fmt::format(
      "{}{}: {} of {} run(s) re-keyed ({} merged into a run with the same identity), "
      "{} sweep(s) re-keyed, {} run(s) kept their id because their config does not resolve\n",
      dry_run ? "dry run, nothing written: " : "", db_path, report.plan.runs.size(), report.runs, report.merged,
      report.plan.sweeps.size(), report.kept.size());
}

}  // namespace

int rekey_command(const std::vector<std::string>& args) {
  po::options_description options("gatelab rekey options");
  std::string db_path;
  bool dry_run = false;
  options.add_options()("db", po::value<std::string>(&db_path)->default_value("results.db"),
                        "results database to re-key in place")("dry-run", po::bool_switch(&dry_run),
                                                               "print the ids that would change; write nothing");
  po::variables_map vm;
  if (!parse_options("rekey", "gatelab rekey [--db results.db] [--dry-run]", args, options, {}, vm)) return kExitOk;
  auto store = analysis::open_results(db_path);  // read-only; refuses a missing file or one gatelab did not write
  if (!dry_run) {
    store.reset();
    results::Store::check_writable_path(db_path);
    store = std::make_unique<results::Store>(db_path);
  }
  RekeyReport report;
  std::map<std::string, std::string> new_id_of;
  plan_runs(*store, report, new_id_of);
  plan_sweeps(*store, report, new_id_of);
  if (!dry_run) store->rekey(report.plan);
  print_report(report, db_path, dry_run);
  return kExitOk;
}

}  // namespace gatelab::cli
