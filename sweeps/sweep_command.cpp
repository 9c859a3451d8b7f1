// `gatelab sweep plan|run|status FILE`: expand a grid file, launch what is left of it, and report on it.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include "analysis/formats/output_format.h"
#include "harness/config/config.h"
#include "harness/util/cli_options.h"
#include "harness/util/errors.h"
#include "harness/util/exit_codes.h"
#include "harness/util/subcommand.h"
#include "results/metric_registry.h"
#include "sweeps/cost.h"
#include "sweeps/grid.h"
#include "sweeps/launch.h"

namespace gatelab::cli {

namespace {

using analysis::Cell;
using sweeps::SweepPlan;

// Table cells: sweep plan and status print through analysis/formats' aligned-column format, like `gatelab query`.
Cell text_cell(const std::string& text) {
  Cell c;
  c.type = Cell::Type::Text;
  c.text = text;
  return c;
}
Cell integer_cell(int64_t value) {
  Cell c;
  c.type = Cell::Type::Integer;
  c.integer = value;
  return c;
}
// A value to 4 decimals (NULL when absent or not finite), still a number so the column right-aligns.
Cell number_cell(const std::optional<double>& value) {
  Cell c;
  if (!value || !std::isfinite(*value)) return c;
  c.type = Cell::Type::Real;
  c.real = std::round(*value * 1e4) / 1e4;
  return c;
}

void print(const analysis::Table& table) {
  analysis::output_format_registry().get("table").make()->write(table, std::cout);
}

const char* kUsage =
    "gatelab sweep plan FILE [--db results.db]      print the runs of a grid file and their status; run nothing\n"
    "gatelab sweep run FILE [options]               run every run not yet finished (resumes, retries)\n"
    "gatelab sweep status FILE [--db results.db]    status, progress and final metrics of each run\n"
    "gatelab sweep cancel FILE [--run NAME]...      cancel the sweep's runs (or these) wherever they run or queue\n"
    "gatelab sweep task MAP [options]               one array task of a cluster submission (its script runs it)\n"
    "\n"
    "A run is the hash of its resolved config: running the same (or an overlapping) grid again skips finished runs,\n"
    "resumes interrupted ones from their checkpoint and retries failed ones. After a crash or a reboot, run the same\n"
    "command again; for unattended restarts a crontab line does it: @reboot cd DIR && gatelab sweep run FILE";

// Status of each planned run in the DB ("new" when the DB or the run is absent). Read-only: planning never writes.
std::map<std::string, sweeps::RunState> db_states(const std::string& db_path, const SweepPlan& plan) {
  if (!std::filesystem::exists(db_path)) return {};
  results::Store store(db_path, /*read_only=*/true);
  std::vector<std::string> ids;
  for (const auto& run : plan.runs) ids.push_back(run.run_id);
  try {
    return sweeps::read_run_states(store, ids);
  } catch (const SQLite::Exception&) {
    return {};  // a DB without the runs table yet: nothing has run
  }
}

// A run's last validation value of `key`, or nullopt.
std::optional<double> final_metric(const std::vector<results::MetricRow>& last, const std::string& key) {
  for (const auto& row : last)
    if (row.key == key) return row.value;
  return std::nullopt;
}

// Why cases collapsed, or why a run is one already known: the keys a case set that do not enter its identity.
void print_identity_note(const SweepPlan& plan) {
  const size_t cases = plan.runs.size() + plan.merged_duplicates;
  if (plan.merged_duplicates > 0)
    std::cout << fmt::format("{} cases collapse to {} run{}", cases, plan.runs.size(), plan.runs.size() == 1 ? "" : "s")
              << (plan.out_of_scope_keys.empty() ? " (identical resolved configs)\n" : ":\n");
  else if (!plan.out_of_scope_keys.empty())
    std::cout << "grid keys left out of some runs' identity (a run trained with other values of them is reused):\n";
  for (const auto& [key, when] : plan.out_of_scope_keys)
    std::cout << (when.rfind("never", 0) == 0
                      ? fmt::format("  {}: {} part of a run's identity{}\n", key, "never", when.substr(5))
                      : fmt::format("  {}: part of a run's identity only when {}\n", key, when));
}

void print_table(const SweepPlan& plan, const std::map<std::string, sweeps::RunState>& states, bool detailed,
                 results::Store* store, const sweeps::PlanCost* cost,
                 const std::map<std::string, std::string>& where = {}) {
  std::cout << fmt::format("sweep {} ({}): {} runs from {}\n", plan.name, plan.sweep_id, plan.runs.size(),
                           plan.source_path);
  print_identity_note(plan);
  analysis::Table table;
  table.columns = {"#", "name", "run id", "status"};
  const std::vector<std::string> metrics = {"loss", "bpb", "accuracy"};
  if (detailed) {
    table.columns.insert(table.columns.end(), {"steps", "of", "attempts"});
    if (!where.empty()) table.columns.push_back("backend");
    for (const auto& key : metrics) table.columns.push_back("valid " + key);
    table.columns.push_back("failure");
  } else {
    table.columns.insert(table.columns.end(), {"tokens", "est. time", "baseline"});
  }
  std::map<std::string, int> counts;
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    const auto& run = plan.runs[i];
    auto it = states.find(run.run_id);
    const bool known = it != states.end();
    const std::string status = known ? results::to_string(it->second.status) : "new";
    counts[status]++;
    std::vector<Cell> row = {integer_cell(static_cast<int64_t>(i + 1)), text_cell(run.name), text_cell(run.run_id),
                             text_cell(status)};
    if (detailed) {
      row.push_back(integer_cell(known ? it->second.steps_done : 0));
      row.push_back(integer_cell(run.config["train"]["steps"].get<int64_t>()));
      row.push_back(integer_cell(known ? it->second.attempts : 0));
      if (!where.empty()) {
        auto w = where.find(run.run_id);
        row.push_back(text_cell(w == where.end() ? "-" : w->second));
      }
      const auto last =
          store && known ? store->last_evaluation(run.run_id, "valid") : std::vector<results::MetricRow>{};
      for (const auto& key : metrics) row.push_back(number_cell(final_metric(last, key)));
      row.push_back(text_cell(known && it->second.status == results::RunStatus::Failed ? it->second.reason : ""));
    } else {
      const auto& c = cost->runs[i];
      row.push_back(text_cell(sweeps::format_count(static_cast<double>(c.tokens))));
      row.push_back(text_cell(c.seconds ? sweeps::format_duration(*c.seconds) : "unknown"));
      row.push_back(text_cell(run.is_baseline ? "*" : ""));
    }
    table.rows.push_back(std::move(row));
  }
  print(table);
  std::string summary;
  for (const auto& [status, n] : counts) summary += fmt::format("{}{} {}", summary.empty() ? "" : ", ", n, status);
  std::cout << fmt::format("{} runs: {}\n", plan.runs.size(), summary);
  if (!cost) return;
  const std::string tokens = sweeps::format_count(static_cast<double>(cost->tokens));
  if (cost->unknown == plan.runs.size()) {
    std::cout << fmt::format("total: {} tokens; est. time unknown (no finished run of this shape in the DB)\n", tokens);
    return;
  }
  std::cout << fmt::format(
      "total: {} tokens, est. training time {}{} (from finished runs' throughput, one run at a time, evaluation not "
      "counted)\n",
      tokens, sweeps::format_duration(cost->known_seconds),
      cost->unknown
          ? fmt::format(" for {} of {} runs, the others unknown", plan.runs.size() - cost->unknown, plan.runs.size())
          : "");
}

// Cases run with several seeds (the seed_summary view): each final validation metric as mean +- the half-width
// of its t-based 95% interval over the seeds, and the standard deviation. Nothing when no case has two seeds.
void print_seed_summary(const SweepPlan& plan, results::Store& store) {
  std::vector<std::string> ids;
  for (const auto& run : plan.runs) ids.push_back(run.run_id);
  analysis::Table table;
  table.columns = {"case", "metric", "seeds", "of", "mean", "+- 95%", "std", "95% low", "95% high"};
  for (const auto& row : store.seed_summaries(ids, {"loss", "bpb", "accuracy"})) {
    if (row.n_runs < 2) continue;
    const bool spread = row.ci95_low && row.ci95_high;
    table.rows.push_back(
        {text_cell(row.case_name), text_cell(row.key), integer_cell(row.n_seeds), integer_cell(row.n_runs),
         number_cell(row.mean),
         number_cell(spread ? std::optional<double>((*row.ci95_high - *row.ci95_low) / 2) : std::nullopt),
         number_cell(row.std), number_cell(row.ci95_low), number_cell(row.ci95_high)});
  }
  if (table.empty()) return;
  std::cout << "\nacross seeds (final valid metrics of the cases run with several seeds; 95% interval of the mean, "
               "t-based; seeds: with a finite value, of: runs):\n";
  print(table);
}

// Whether a larger value of `metric` is better, from the metric registry (a measurement without a direction,
// such as the learning rate, cannot rank runs: a UserError naming the metrics that can).
bool higher_is_better(const std::string& metric) {
  const auto better = results::metric_registry().get(metric).make.better;
  if (better == results::Better::Neither) {
    std::vector<std::string> rankable;
    for (const auto& e : results::metric_registry().entries())
      if (e.make.better != results::Better::Neither) rankable.push_back(e.name);
    throw UserError(unknown_name_message("metric to rank runs by", metric, rankable));
  }
  return better == results::Better::Higher;
}

// The best validation value of `metric` a run reached (by the metric's direction), or nullopt.
std::optional<double> best_metric(results::Store& store, const std::string& run_id, const std::string& metric) {
  return store.best_metric(run_id, "valid", metric, higher_is_better(metric));
}

// Per group of runs that differ only in `best_over` (e.g. the learning rate): the best metric and where it was.
void print_best_over(const SweepPlan& plan, const std::string& metric, const std::string& best_over,
                     results::Store* store) {
  const bool higher = higher_is_better(metric);
  struct Group {
    std::string label;
    std::optional<double> best;
    std::string best_at;
    int runs = 0, measured = 0;
  };
  std::vector<Group> groups;
  std::map<std::string, size_t> index;
  for (const auto& run : plan.runs) {
    std::string label;
    for (const auto& [key, value] : run.case_values)
      if (key != best_over)
        label += (label.empty() ? "" : ",") + key.substr(key.rfind('.') + 1) + "=" + sweeps::format_value(value);
    if (label.empty()) label = "(all runs)";
    auto [it, fresh] = index.emplace(label, groups.size());
    if (fresh) groups.push_back({label, std::nullopt, "", 0, 0});
    Group& g = groups[it->second];
    ++g.runs;
    auto value = store ? best_metric(*store, run.run_id, metric) : std::nullopt;
    if (!value) continue;
    ++g.measured;
    if (!g.best || (higher ? *value > *g.best : *value < *g.best)) {
      g.best = value;
      g.best_at = best_over.empty() ? run.name : sweeps::format_value(config::at(run.config, best_over));
    }
  }
  std::cout << fmt::format("\nbest valid {} {}:\n", metric, best_over.empty() ? "per group" : "over " + best_over);
  analysis::Table table;
  table.columns = {"group", metric, best_over.empty() ? "run" : best_over, "runs measured"};
  for (const auto& g : groups)
    table.rows.push_back({text_cell(g.label), number_cell(g.best), text_cell(g.best_at),
                          text_cell(fmt::format("{}/{}", g.measured, g.runs))});
  print(table);
}

// Where each run stands in the backends that launched it (a cluster's task state, a local child's pid).
std::map<std::string, std::string> backend_states(const SweepPlan& plan, const sweeps::LaunchOptions& launch) {
  std::map<std::string, std::string> where;
  for (const auto& entry : sweeps::backend_registry().entries())
    for (const auto& [run_id, state] : entry.make()->poll(plan, launch)) where[run_id] = state;
  return where;
}

int plan_or_status(const std::string& action, const std::vector<std::string>& args) {
  po::options_description options(fmt::format("gatelab sweep {} options", action));
  std::string file, db, metric, best_over;
  size_t max_runs = sweeps::kDefaultMaxRuns;
  options.add_options()("file", po::value<std::string>(&file), "grid file")(
      "db", po::value<std::string>(&db)->default_value("results.db"), "results database")(
      "max-runs", po::value<size_t>(&max_runs)->default_value(sweeps::kDefaultMaxRuns),
      "refuse a grid that expands to more runs than this");
  sweeps::LaunchOptions launch;
  if (action == "status")
    options.add_options()("out", po::value<std::string>(&launch.out_dir),
                          "status: the sweep's folder (default: <runs-dir>/<sweep name>)")(
        "runs-dir", po::value<std::string>(&launch.runs_dir)->default_value("runs"), "status: the runs folder")(
        "metric", po::value<std::string>(&metric),
        "status: also print the best validation METRIC per group (default: the file's report:)")(
        "best-over", po::value<std::string>(&best_over),
        "status: groups are runs that differ only in this key, e.g. train.lr (default: the file's report:)");
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map vm;
  if (!parse_options("sweep " + action, kUsage, args, options, positional, vm)) return 0;
  if (file.empty()) throw UserError(fmt::format("gatelab sweep {}: give a grid file, e.g. sweeps/smoke.yaml", action));
  const SweepPlan plan = sweeps::load_sweep(file, max_runs);
  const bool have_db = std::filesystem::exists(db);
  if (action == "status" && !have_db)
    throw UserError(
        fmt::format("no results database at '{}': nothing of sweep {} has run with it (choose the DB with "
                    "--db FILE; 'gatelab sweep plan {}' lists the runs)",
                    db, plan.name, file));
  const auto states = db_states(db, plan);
  if (action == "plan") {
    if (!have_db)
      std::cout << fmt::format("(no results database at '{}': every run shows as new, its cost as unknown)\n", db);
    std::vector<results::MeasuredThroughput> measured;
    if (std::filesystem::exists(db)) measured = results::Store(db, /*read_only=*/true).measured_throughputs();
    const auto cost = sweeps::estimate_cost(plan, measured);
    print_table(plan, states, false, nullptr, &cost);
  } else {
    std::unique_ptr<results::Store> store;
    if (std::filesystem::exists(db)) store = std::make_unique<results::Store>(db, true);
    print_table(plan, states, true, store.get(), nullptr, backend_states(plan, launch));
    const std::filesystem::path shards = std::filesystem::path(sweeps::sweep_dir_of(launch, plan)) / "shards";
    if (std::filesystem::is_directory(shards))
      std::cout << fmt::format(
          "cluster tasks write to {}: `gatelab merge {}` brings their progress and metrics into {}\n", shards.string(),
          sweeps::sweep_dir_of(launch, plan), db);
    if (store) print_seed_summary(plan, *store);
    if (metric.empty()) metric = plan.report_metric;
    if (best_over.empty()) best_over = plan.report_best_over;
    if (!best_over.empty() && !config::find_key(best_over))
      throw UserError("--best-over: unknown config key '" + best_over + "'");
    if (!metric.empty()) print_best_over(plan, metric, best_over, store.get());
  }
  return 0;
}

// The options of a launch that a cluster task passes on to its runs too (`sweep run` and `sweep task`).
void add_launch_options(po::options_description& options, sweeps::LaunchOptions& launch) {
  options.add_options()("out", po::value<std::string>(&launch.out_dir),
                        "the sweep's folder: logs, configs, plan (default: <runs-dir>/<sweep name>)")(
      "runs-dir", po::value<std::string>(&launch.runs_dir)->default_value("runs"),
      "checkpoints of run ID go to <runs-dir>/ID (shared by overlapping sweeps)")(
      "data-dir", po::value<std::string>(&launch.data_dir), "corpora folder passed to every run")(
      "gpus", po::value<std::string>(&launch.gpus)->default_value("auto"),
      "auto (every visible GPU, else CPU) | all | none | comma list of GPU indices, e.g. 0,1")(
      "runs-per-gpu", po::value<int>(&launch.runs_per_gpu)->default_value(1), "runs packed on one GPU at once")(
      "mps", po::value<std::string>(&launch.mps)->default_value("auto"),
      "CUDA MPS when runs share a GPU: auto (start a private daemon when packing and it is installed) | on | off")(
      "threads-per-run", po::value<int>(&launch.threads_per_run)->default_value(0),
      "CPU threads per run (0: cores / parallel runs)")("max-parallel",
                                                        po::value<int>(&launch.max_parallel)->default_value(0),
                                                        "at most this many runs at once (0: one per slot)")(
      "max-retries", po::value<int>(&launch.max_retries)->default_value(1),
      "retries of a run that crashed (resuming from its checkpoint); slurm: requeues of a task after a failure")(
      "on-oom", po::value<std::string>(&launch.on_oom)->default_value("split-batch"),
      "a run out of memory (status 'oom'): split-batch (resume it with twice the micro-batches per step, same "
      "effective batch, until a slice is one example) | fail")(
      "max-minutes", po::value<double>(&launch.max_minutes)->default_value(0),
      "each run stops with a checkpoint (status 'stopped') after M minutes; the next launch resumes it (0: none)")(
      "backend", po::value<std::string>(&launch.backend)->default_value("local"),
      ("where runs execute: " + fmt::format("{}", fmt::join(sweeps::backend_registry().names(), " | ")) +
       " (slurm: one job array, see --partition and the cluster options)")
          .c_str());
}

// What a cluster backend asks its scheduler for (sweeps::ClusterOptions).
void add_cluster_options(po::options_description& options, sweeps::ClusterOptions& cluster) {
  options.add_options()("partition", po::value<std::string>(&cluster.partition), "cluster: partition (queue)")(
      "account", po::value<std::string>(&cluster.account), "cluster: account to charge")(
      "qos", po::value<std::string>(&cluster.qos), "cluster: quality of service")(
      "time", po::value<std::string>(&cluster.time), "cluster: time limit per task, e.g. 4:00:00")(
      "gpus-per-task", po::value<int>(&cluster.gpus_per_task)->default_value(0),
      "cluster: GPUs per task (each packs --runs-per-gpu runs; 0: a CPU task of one run)")(
      "cpus-per-task", po::value<int>(&cluster.cpus_per_task)->default_value(0), "cluster: CPU cores per task")(
      "mem-per-task", po::value<std::string>(&cluster.mem_per_task), "cluster: memory per task, e.g. 32G")(
      "sbatch", po::value<std::vector<std::string>>(&cluster.extra)->composing(),
      "cluster: one more #SBATCH option, e.g. --sbatch=--constraint=a100 (repeatable)")(
      "max-concurrent", po::value<int>(&cluster.max_concurrent)->default_value(0),
      "cluster: array tasks running at once (--array=0-N%K; 0: no cap)")(
      "signal-seconds", po::value<int>(&cluster.signal_seconds)->default_value(120),
      "cluster: SIGUSR1 comes this many seconds before the time limit; runs checkpoint and the task requeues");
}

void check_launch_options(const sweeps::LaunchOptions& launch) {
  if (launch.max_retries < 0) throw UserError("--max-retries must be >= 0");
  if (launch.on_oom != "split-batch" && launch.on_oom != "fail")
    throw UserError(unknown_name_message("--on-oom policy", launch.on_oom, {"split-batch", "fail"}));
  if (!std::isfinite(launch.max_minutes) || launch.max_minutes < 0)
    throw UserError("--max-minutes must be a number of minutes >= 0 (0: no limit)");
}

int run_sweep(const std::vector<std::string>& args) {
  po::options_description options("gatelab sweep run options");
  std::string file;
  size_t max_runs = sweeps::kDefaultMaxRuns;
  sweeps::LaunchOptions launch;
  options.add_options()("file", po::value<std::string>(&file), "grid file")(
      "max-runs", po::value<size_t>(&max_runs)->default_value(sweeps::kDefaultMaxRuns),
      "refuse a grid that expands to more runs than this")(
      "db", po::value<std::string>(&launch.db_path)->default_value("results.db"), "results database")(
      "progress", po::value<std::string>(&launch.progress)->default_value("auto"),
      "auto (live table on a TTY, log lines otherwise) | live | lines")(
      "dry-run", po::bool_switch(&launch.dry_run),
      "print what would run (local: each command; slurm: the sbatch script, written but not submitted)");
  add_launch_options(options, launch);
  add_cluster_options(options, launch.cluster);
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map vm;
  if (!parse_options("sweep run", kUsage, args, options, positional, vm)) return 0;
  if (file.empty()) throw UserError("gatelab sweep run: give a grid file, e.g. sweeps/smoke.yaml");
  check_launch_options(launch);
  results::Store::check_writable_path(launch.db_path);
  if (launch.progress != "auto" && launch.progress != "live" && launch.progress != "lines")
    throw UserError(unknown_name_message("--progress mode", launch.progress, {"auto", "live", "lines"}));
  const auto backend = sweeps::backend_registry().get(launch.backend).make();

  // Everything is validated before anything runs or is written.
  backend->validate(launch);
  const SweepPlan plan = sweeps::load_sweep(file, max_runs);
  sweeps::check_corpora(plan, launch);
  results::Store store(launch.db_path);
  sweeps::register_sweep(store, plan);
  sweeps::SweepOutcome outcome;
  const auto jobs = sweeps::prepare_jobs(store, plan, launch, outcome);
  if (jobs.empty()) {
    std::cout << fmt::format("sweep {}: all {} runs are already done in {}\n", plan.name, plan.runs.size(),
                             launch.db_path);
    return 0;
  }
  outcome = backend->submit(plan, jobs, launch, outcome);
  if (launch.dry_run) return kExitOk;
  if (outcome.submitted > 0) {
    std::cout << fmt::format(
        "sweep {}: {} run(s) submitted as {}, {} already done; `gatelab sweep status {}` follows them, `gatelab merge "
        "{}` folds their shards into {}\n",
        plan.name, outcome.submitted, outcome.submission, outcome.skipped, file, sweeps::sweep_dir_of(launch, plan),
        launch.db_path);
    return kExitOk;
  }
  std::cout << fmt::format(
      "sweep {}: {} finished, {} diverged, {} failed, {} out of memory, {} interrupted, {} already done; logs in {}\n",
      plan.name, outcome.finished, outcome.diverged, outcome.failed, outcome.out_of_memory, outcome.interrupted,
      outcome.skipped, sweeps::sweep_dir_of(launch, plan));
  if (outcome.stopped) {
    std::cout << "stopped: run the same command again to resume\n";
    return kExitInterrupted;
  }
  if (outcome.failed > 0 || outcome.out_of_memory > 0) return kExitFailure;
  if (outcome.interrupted > 0) {  // runs that reached --max-minutes
    std::cout << fmt::format("{} run(s) stopped at --max-minutes: run the same command again to resume\n",
                             outcome.interrupted);
    return kExitStopped;
  }
  return kExitOk;
}

// `gatelab sweep cancel FILE [--run NAME]...`: every backend stops (or dequeues) the runs, which are listed in
// the sweep's `cancelled` file first, then marked cancelled in the DB (a done run keeps its result).
int cancel_sweep(const std::vector<std::string>& args) {
  po::options_description options("gatelab sweep cancel options");
  std::string file;
  std::vector<std::string> names;
  sweeps::LaunchOptions launch;
  options.add_options()("file", po::value<std::string>(&file), "grid file")(
      "run", po::value<std::vector<std::string>>(&names)->composing(),
      "cancel only this run (its name in `sweep plan`; repeatable); default: every run of the sweep")(
      "db", po::value<std::string>(&launch.db_path)->default_value("results.db"), "results database")(
      "out", po::value<std::string>(&launch.out_dir), "the sweep's folder (default: <runs-dir>/<sweep name>)")(
      "runs-dir", po::value<std::string>(&launch.runs_dir)->default_value("runs"), "the runs folder");
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map vm;
  if (!parse_options("sweep cancel", kUsage, args, options, positional, vm)) return 0;
  if (file.empty()) throw UserError("gatelab sweep cancel: give a grid file, e.g. sweeps/smoke.yaml");
  const SweepPlan plan = sweeps::load_sweep(file);
  std::vector<std::string> ids, valid;
  for (const auto& run : plan.runs) valid.push_back(run.name);
  for (const auto& name : names) {
    auto it = std::find_if(plan.runs.begin(), plan.runs.end(), [&](const auto& r) { return r.name == name; });
    if (it == plan.runs.end()) throw UserError(unknown_name_message("run of sweep " + plan.name, name, valid));
    ids.push_back(it->run_id);
  }
  const std::string sweep_dir = sweeps::sweep_dir_of(launch, plan);
  std::vector<std::string> marked = ids;
  if (marked.empty())
    for (const auto& run : plan.runs) marked.push_back(run.run_id);
  sweeps::add_cancelled_runs(sweep_dir, marked);
  std::set<std::string> stopped;
  for (const auto& entry : sweeps::backend_registry().entries())
    for (const auto& id : entry.make()->cancel(plan, launch, ids)) stopped.insert(id);
  marked.insert(marked.end(), stopped.begin(), stopped.end());  // runs packed in a cancelled task
  results::Store::check_writable_path(launch.db_path);
  results::Store store(launch.db_path);
  const auto states = sweeps::read_run_states(store, marked);
  int n = 0;
  for (const auto& id : std::set<std::string>(marked.begin(), marked.end())) {
    auto it = states.find(id);
    if (it == states.end() || results::is_done(it->second.status)) continue;
    store.set_status(id, results::RunStatus::Cancelled, "gatelab sweep cancel");
    ++n;
  }
  std::cout << fmt::format(
      "sweep {}: {} run(s) marked cancelled, {} stopped or dequeued; `gatelab sweep run {}` "
      "runs them again\n",
      plan.name, n, stopped.size(), file);
  return kExitOk;
}

// `gatelab sweep task MAP`: what a cluster backend's submission script runs in each task.
int run_task(const std::vector<std::string>& args) {
  po::options_description options("gatelab sweep task options");
  std::string map;
  sweeps::LaunchOptions launch;
  options.add_options()("map", po::value<std::string>(&map),
                        "the launch's task map (<sweep>/slurm/launch-N.tasks.tsv)");
  add_launch_options(options, launch);
  po::positional_options_description positional;
  positional.add("map", 1);
  po::variables_map vm;
  if (!parse_options("sweep task", kUsage, args, options, positional, vm)) return 0;
  if (map.empty()) throw UserError("gatelab sweep task: give the task map written by `gatelab sweep run --backend`");
  check_launch_options(launch);
  return sweeps::backend_registry().get(launch.backend).make()->run_task(map, launch);
}

}  // namespace

int sweep_command(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << "usage:\n" << kUsage << "\n";
    return args.empty() ? 2 : 0;
  }
  const std::string action = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (action == "plan" || action == "status") return plan_or_status(action, rest);
  if (action == "run") return run_sweep(rest);
  if (action == "cancel") return cancel_sweep(rest);
  if (action == "task") return run_task(rest);
  throw UserError(unknown_name_message("sweep action", action, {"plan", "run", "status", "cancel", "task"}));
}

}  // namespace gatelab::cli
