#include "sweeps/launch.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "harness/config/config.h"
#include "harness/util/errors.h"
#include "harness/util/file_names.h"

namespace gatelab::tasks {
std::string default_data_dir();  // harness/tasks/data_dir.cpp (its header, task.h, pulls in torch)
}

namespace gatelab::sweeps {

namespace fs = std::filesystem;

void write_atomically(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  // A per-process temp name: two launches of one sweep may write the same file at once.
  const std::string temp = fmt::format("{}.tmp.{}", path, ::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(fmt::format("cannot write '{}'", temp));
    out << text;
    out.flush();
    if (!out) throw Error(fmt::format("cannot write '{}'", temp));
  }
  fs::rename(temp, path);
}

namespace {

std::string cancelled_path(const std::string& sweep_dir) { return (fs::path(sweep_dir) / "cancelled").string(); }

}  // namespace

std::set<std::string> cancelled_runs(const std::string& sweep_dir) {
  std::set<std::string> ids;
  std::ifstream in(cancelled_path(sweep_dir));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) ids.insert(line);
  return ids;
}

void add_cancelled_runs(const std::string& sweep_dir, const std::vector<std::string>& run_ids) {
  auto ids = cancelled_runs(sweep_dir);
  ids.insert(run_ids.begin(), run_ids.end());
  std::string text;
  for (const auto& id : ids) text += id + "\n";
  write_atomically(cancelled_path(sweep_dir), text);
}

void clear_cancelled_runs(const std::string& sweep_dir) { fs::remove(cancelled_path(sweep_dir)); }

int Backend::run_task(const std::string&, const LaunchOptions& options) {
  throw UserError(
      fmt::format("the {} backend runs no tasks: `gatelab sweep task` is what a cluster backend's "
                  "submission script runs (--backend slurm)",
                  options.backend));
}

void register_sweep(results::Store& store, const SweepPlan& plan) {
  store.upsert_sweep({plan.sweep_id, plan.name, plan.source_path, plan.source_text});
  std::vector<results::SweepMember> members;
  members.reserve(plan.runs.size());
  for (const auto& run : plan.runs)
    members.push_back({run.run_id, run.name, config::canonical(run.config),
                       config::at(run.config, "seed").get<int64_t>(), run.is_baseline});
  store.add_sweep_members(plan.sweep_id, members);
}

std::map<std::string, RunState> read_run_states(results::Store& store, const std::vector<std::string>& run_ids) {
  return store.run_progress(run_ids);
}

void mark_run_failed(results::Store& store, const std::string& run_id, const std::string& reason) {
  store.set_status(run_id, results::RunStatus::Failed, reason);
}

std::string run_dir_of(const LaunchOptions& options, const std::string& run_id) {
  return (fs::path(options.runs_dir) / run_id).string();
}

std::string sweep_dir_of(const LaunchOptions& options, const SweepPlan& plan) {
  return options.out_dir.empty() ? (fs::path(options.runs_dir) / plan.name).string() : options.out_dir;
}

void check_corpora(const SweepPlan& plan, const LaunchOptions& options) {
  const std::string data_dir = options.data_dir.empty() ? tasks::default_data_dir() : options.data_dir;
  std::set<std::string> missing;
  for (const auto& run : plan.runs) {
    if (config::at(run.config, "task.name") != "bytes") continue;
    const std::string corpus = config::at(run.config, "task.text.corpus");
    const fs::path dir = fs::path(data_dir) / corpus;
    if (!fs::exists(dir / "train.txt") || !fs::exists(dir / "valid.txt")) missing.insert(corpus);
  }
  if (missing.empty()) return;
  std::string message;
  for (const auto& corpus : missing)
    message += fmt::format("{}corpus '{}' is not built in '{}'; build it with: scripts/build_corpus.sh {} {}",
                           message.empty() ? "" : "\n", corpus, data_dir, corpus, data_dir);
  throw UserError(message + "\n(or pass --data-dir where it is built); nothing was run");
}

std::vector<Job> prepare_jobs(results::Store& store, const SweepPlan& plan, const LaunchOptions& options,
                              SweepOutcome& outcome) {
  const std::string sweep_dir = sweep_dir_of(options, plan);
  fs::create_directories(fs::path(sweep_dir) / "logs");
  // The plan as run, for people and scripts: name, run id, baseline flag.
  std::string table = "name\trun_id\tbaseline\n";
  for (const auto& run : plan.runs) table += fmt::format("{}\t{}\t{}\n", run.name, run.run_id, run.is_baseline ? 1 : 0);
  write_atomically((fs::path(sweep_dir) / "plan.tsv").string(), table);
  write_atomically((fs::path(sweep_dir) / "sweep.yaml").string(), plan.source_text);
  if (!options.dry_run) clear_cancelled_runs(sweep_dir);

  std::vector<std::string> ids;
  for (const auto& run : plan.runs) ids.push_back(run.run_id);
  const auto states = read_run_states(store, ids);
  std::vector<Job> jobs;
  for (const auto& run : plan.runs) {
    auto it = states.find(run.run_id);
    const std::optional<results::RunStatus> status =
        it == states.end() ? std::nullopt : std::optional<results::RunStatus>(it->second.status);
    if (status && results::is_done(*status)) {
      ++outcome.skipped;
      continue;
    }
    Job job;
    job.run_id = run.run_id;
    job.name = run.name;
    job.config_path = (fs::path(sweep_dir) / "configs" / (run.run_id + ".json")).string();
    job.run_dir = run_dir_of(options, run.run_id);
    job.log_path = (fs::path(sweep_dir) / "logs" / (safe_file_name(run.name) + ".log")).string();
    job.total_steps = config::at(run.config, "train.steps").get<int64_t>();
    job.batch_size = config::at(run.config, "train.batch_size").get<int64_t>();
    job.previous_status = status;
    write_atomically(job.config_path, run.config.dump(2) + "\n");
    jobs.push_back(std::move(job));
  }
  return jobs;
}

std::vector<std::string> child_arguments(const Job& job, const LaunchOptions& options, const std::string& device,
                                         int threads, int micro_batches) {
  std::vector<std::string> args = {
      "run",    "--config", job.config_path, "--db",      options.db_path,        "--run-dir", job.run_dir, "--name",
      job.name, "--device", device,          "--threads", std::to_string(threads)};
  if (!options.data_dir.empty()) {
    args.push_back("--data-dir");
    args.push_back(options.data_dir);
  }
  if (options.max_minutes > 0) {
    args.push_back("--max-minutes");
    args.push_back(fmt::format("{}", options.max_minutes));
  }
  if (micro_batches > 1) {
    args.push_back("--micro-batches");
    args.push_back(std::to_string(micro_batches));
  }
  if (options.restart_count > 0) {
    args.push_back("--restart-count");
    args.push_back(std::to_string(options.restart_count));
  }
  return args;
}

}  // namespace gatelab::sweeps
