#include "sweeps/launch.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "harness/config/config.h"
#include "harness/util/errors.h"

namespace gatelab::tasks {
std::string default_data_dir();  // harness/tasks/data_dir.cpp (its header, task.h, pulls in torch)
}

namespace gatelab::sweeps {

namespace fs = std::filesystem;

namespace {

// Writes a file so that readers see the old or the new text, never a torn one.
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

}  // namespace

void register_sweep(results::Store& store, const SweepPlan& plan) {
  store.upsert_sweep({plan.sweep_id, plan.name, plan.source_path, plan.source_text});
  // One transaction for the whole list: a 1,000-run grid registers in one lock acquisition.
  store.transaction([&] {
    // A run already known (finished by another sweep, say) keeps its row untouched: identity is the config.
    SQLite::Statement insert(store.db(), R"sql(
      INSERT INTO runs (run_id, name, config_json, config_hash, seed, status, attempts)
      VALUES (?1, ?2, ?3, ?1, ?4, 'queued', 0) ON CONFLICT(run_id) DO NOTHING)sql");
    SQLite::Statement link(store.db(), R"sql(INSERT OR REPLACE INTO sweep_runs (sweep_id, run_id, run_name, is_baseline)
      VALUES (?,?,?,?))sql");
    for (const auto& run : plan.runs) {
      insert.bind(1, run.run_id);
      insert.bind(2, run.name);
      insert.bind(3, config::canonical(run.config));
      insert.bind(4, config::at(run.config, "seed").get<int64_t>());
      insert.exec();
      insert.reset();
      link.bind(1, plan.sweep_id);
      link.bind(2, run.run_id);
      link.bind(3, run.name);
      link.bind(4, run.is_baseline ? 1 : 0);
      link.exec();
      link.reset();
    }
  });
}

std::map<std::string, RunState> read_run_states(results::Store& store, const std::vector<std::string>& run_ids) {
  std::map<std::string, RunState> out;
  SQLite::Statement run_query(store.db(),
                              "SELECT status, COALESCE(status_reason, ''), steps_done, attempts, tokens_per_s "
                              "FROM runs WHERE run_id = ?");
  SQLite::Statement loss_query(store.db(),
                               "SELECT value FROM metrics WHERE run_id = ? AND split = 'train' AND key = 'loss' "
                               "ORDER BY step DESC LIMIT 1");
  for (const auto& id : run_ids) {
    run_query.bind(1, id);
    if (run_query.executeStep()) {
      RunState s;
      s.status = run_query.getColumn(0).getString();
      s.reason = run_query.getColumn(1).getString();
      s.steps_done = run_query.getColumn(2).getInt64();
      s.attempts = run_query.getColumn(3).getInt64();
      if (!run_query.getColumn(4).isNull()) s.tokens_per_s = run_query.getColumn(4).getDouble();
      loss_query.bind(1, id);
      if (loss_query.executeStep() && !loss_query.getColumn(0).isNull())
        s.train_loss = loss_query.getColumn(0).getDouble();
      loss_query.reset();
      out[id] = s;
    }
    run_query.reset();
  }
  return out;
}

void mark_run_failed(results::Store& store, const std::string& run_id, const std::string& reason) {
  store.set_status(run_id, "failed", reason);
}

bool is_done_status(const std::string& status) { return status == "finished" || status == "diverged"; }

std::string safe_file_name(const std::string& name) {
  std::string out;
  for (char c : name)
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '=' || c == ',' ||
            c == '+')
               ? c
               : '_';
  if (out.empty() || out[0] == '.') out = "_" + out;
  return out.substr(0, 200);
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

  std::vector<std::string> ids;
  for (const auto& run : plan.runs) ids.push_back(run.run_id);
  const auto states = read_run_states(store, ids);
  std::vector<Job> jobs;
  for (const auto& run : plan.runs) {
    auto it = states.find(run.run_id);
    const std::string status = it == states.end() ? "" : it->second.status;
    if (is_done_status(status)) {
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
    job.previous_status = status;
    write_atomically(job.config_path, run.config.dump(2) + "\n");
    jobs.push_back(std::move(job));
  }
  return jobs;
}

std::vector<std::string> child_arguments(const Job& job, const LaunchOptions& options, const std::string& device,
                                         int threads) {
  std::vector<std::string> args = {
      "run",    "--config", job.config_path, "--db",      options.db_path,        "--run-dir", job.run_dir, "--name",
      job.name, "--device", device,          "--threads", std::to_string(threads)};
  if (!options.data_dir.empty()) {
    args.push_back("--data-dir");
    args.push_back(options.data_dir);
  }
  return args;
}

}  // namespace gatelab::sweeps
