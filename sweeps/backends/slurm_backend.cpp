// The Slurm backend: one job array per launch. `gatelab sweep run FILE --backend slurm` writes, into the sweep's
// folder under slurm/, the launch's task map (launch-N.tasks.tsv: array index -> run, one row per run) and its
// sbatch script (launch-N.sbatch), submits the script, and records the array's job id (launch-N.job). Each array
// task runs `gatelab sweep task MAP`, which reads its rows from the map (never from guessing at the environment)
// and runs them with the local backend, `--runs-per-gpu` of them packed on each of the task's GPUs (under MPS as
// locally), into the task's own shard DB (<sweep>/shards/launch-N-task-I.db): one SQLite file per writer, never one
// file shared by many processes over a network filesystem. `gatelab merge SWEEP_DIR` folds the shards into the
// results DB.
//
// Preemption and time limits: the script asks for --signal=B:USR1@S, so S seconds before the end Slurm signals the
// batch shell, which is this process (the script execs it). The local backend forwards the signal to each run,
// which writes its checkpoint and exits; only then does the task call `scontrol requeue` on itself (requeueing
// kills the job, so the checkpoint must already be on disk), and the requeued task resumes from the checkpoints,
// passing SLURM_RESTART_COUNT on to each run. SIGTERM (preemption, `scancel`) is handled the same way, except for
// runs that `gatelab sweep cancel` listed in <sweep>/cancelled: a task whose runs are all cancelled is not
// requeued. A run that fails (a crash, a kill) requeues its task too, at most --max-retries times per task (the
// count is <sweep>/slurm/launch-N-task-I.failures), so a task that keeps failing is not requeued forever.
#include <fmt/format.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

#include "harness/util/errors.h"
#include "harness/util/exit_codes.h"
#include "sweeps/backends/child_process.h"
#include "sweeps/launch.h"

namespace gatelab::sweeps {

namespace {

namespace fs = std::filesystem;

// One row of a launch's task map.
struct TaskRow {
  int task = 0;
  Job job;
};

struct Launch {
  int number = 0;
  std::string map_path, job_id;
};

std::string absolute(const std::string& path) {
  return path.empty() ? path : fs::absolute(path).lexically_normal().string();
}

std::string slurm_dir(const std::string& sweep_dir) { return (fs::path(sweep_dir) / "slurm").string(); }

std::string launch_file(const std::string& sweep_dir, int number, const std::string& suffix) {
  return (fs::path(slurm_dir(sweep_dir)) / fmt::format("launch-{}{}", number, suffix)).string();
}

// Runs a Slurm client and returns its exit code and output (stdout and stderr).
std::pair<int, std::string> run_tool(const std::vector<std::string>& argv) {
  std::vector<std::string> rest(argv.begin() + 1, argv.end());
  FILE* pipe = popen((command_line(argv[0], rest) + " 2>&1").c_str(), "r");
  if (!pipe) throw Error(fmt::format("cannot run {}", argv[0]));
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 1, output};
}

std::string trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

// The launches of a sweep that were submitted (those with a job id), in order.
std::vector<Launch> submitted_launches(const std::string& sweep_dir) {
  std::vector<Launch> launches;
  const std::regex job_file(R"(launch-(\d+)\.job)");
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(slurm_dir(sweep_dir), error)) {
    std::smatch m;
    const std::string name = entry.path().filename().string();
    if (!std::regex_match(name, m, job_file)) continue;
    Launch launch;
    launch.number = std::stoi(m[1]);
    launch.map_path = launch_file(sweep_dir, launch.number, ".tasks.tsv");
    std::ifstream in(entry.path());
    std::getline(in, launch.job_id);
    if (!launch.job_id.empty()) launches.push_back(launch);
  }
  std::sort(launches.begin(), launches.end(), [](const Launch& a, const Launch& b) { return a.number < b.number; });
  return launches;
}

// The map: a comment line naming the sweep, a header line, then one row per run.
std::string map_text(const SweepPlan& plan, const std::vector<Job>& jobs, int runs_per_task) {
  std::string text = fmt::format("# sweep\t{}\t{}\n", plan.name, plan.sweep_id);
  text += "task\trun_id\tname\tconfig\trun_dir\tlog\tsteps\n";
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Job& j = jobs[i];
    text += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\n", i / runs_per_task, j.run_id, j.name, absolute(j.config_path),
                        absolute(j.run_dir), absolute(j.log_path), j.total_steps);
  }
  return text;
}

struct TaskMap {
  std::string sweep_name, sweep_id;
  std::vector<TaskRow> rows;
};

TaskMap read_map(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UserError(fmt::format("cannot read the task map '{}'", path));
  TaskMap map;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string field; std::getline(ss, field, '\t');) f.push_back(field);
    if (f.size() == 3 && f[0] == "# sweep") {
      map.sweep_name = f[1];
      map.sweep_id = f[2];
      continue;
    }
    if (f.size() != 7 || f[0] == "task") continue;
    TaskRow row;
    row.task = std::stoi(f[0]);
    row.job.run_id = f[1];
    row.job.name = f[2];
    row.job.config_path = f[3];
    row.job.run_dir = f[4];
    row.job.log_path = f[5];
    row.job.total_steps = std::stoll(f[6]);
    map.rows.push_back(row);
  }
  return map;
}

int runs_per_task(const LaunchOptions& o) { return o.runs_per_gpu * std::max(1, o.cluster.gpus_per_task); }

// The sbatch script of one launch: directives, then exec of the task runner (exec: with B: the signal goes to the
// batch shell, so the shell must be the task runner itself).
std::string script_text(const SweepPlan& plan, const LaunchOptions& o, const std::string& sweep_dir, int launch,
                        int tasks, size_t runs) {
  const ClusterOptions& c = o.cluster;
  std::string s = "#!/bin/bash\n";
  s += fmt::format("# gatelab sweep {} ({}), launch {}: {} run(s) in {} array task(s), {} per task.\n", plan.name,
                   plan.sweep_id, launch, runs, tasks, runs_per_task(o));
  s += "# Written by `gatelab sweep run --backend slurm`; submit it again with: sbatch " +
       launch_file(sweep_dir, launch, ".sbatch") + "\n";
  s += "# Runs map to tasks in " + launch_file(sweep_dir, launch, ".tasks.tsv") +
       "; each task writes its shard in shards/ (gatelab merge " + sweep_dir + ").\n";
  auto directive = [&](const std::string& d) { s += "#SBATCH " + d + "\n"; };
  directive("--job-name=gatelab-" + plan.name);
  directive(fmt::format("--array=0-{}{}", tasks - 1, c.max_concurrent > 0 ? fmt::format("%{}", c.max_concurrent) : ""));
  directive("--requeue");
  directive("--open-mode=append");
  directive(fmt::format("--signal=B:USR1@{}", c.signal_seconds));
  directive("--output=" + (fs::path(slurm_dir(sweep_dir)) / fmt::format("launch-{}-task-%a.out", launch)).string());
  directive("--chdir=" + fs::current_path().string());
  if (!c.partition.empty()) directive("--partition=" + c.partition);
  if (!c.account.empty()) directive("--account=" + c.account);
  if (!c.qos.empty()) directive("--qos=" + c.qos);
  if (!c.time.empty()) directive("--time=" + c.time);
  if (c.gpus_per_task > 0) directive(fmt::format("--gpus-per-task={}", c.gpus_per_task));
  if (c.cpus_per_task > 0) directive(fmt::format("--cpus-per-task={}", c.cpus_per_task));
  if (!c.mem_per_task.empty()) directive("--mem=" + c.mem_per_task);
  for (const auto& extra : c.extra) directive(extra);
  std::vector<std::string> args = {"sweep",
                                   "task",
                                   launch_file(sweep_dir, launch, ".tasks.tsv"),
                                   "--backend",
                                   "slurm",
                                   "--out",
                                   sweep_dir,
                                   "--runs-dir",
                                   absolute(o.runs_dir),
                                   "--gpus",
                                   c.gpus_per_task > 0 ? "auto" : "none",
                                   "--runs-per-gpu",
                                   std::to_string(o.runs_per_gpu),
                                   "--mps",
                                   o.mps,
                                   "--threads-per-run",
                                   std::to_string(o.threads_per_run),
                                   "--max-retries",
                                   std::to_string(o.max_retries)};
  if (!o.data_dir.empty()) args.insert(args.end(), {"--data-dir", absolute(o.data_dir)});
  if (o.max_minutes > 0) args.insert(args.end(), {"--max-minutes", fmt::format("{}", o.max_minutes)});
  s += "exec " + command_line(fs::read_symlink("/proc/self/exe").string(), args) + "\n";
  return s;
}

int read_count(const std::string& path) {
  std::ifstream in(path);
  int n = 0;
  return in >> n ? n : 0;
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

class SlurmBackend : public Backend {
 public:
  void validate(const LaunchOptions& o) const override {
    const ClusterOptions& c = o.cluster;
    if (o.runs_per_gpu < 1) throw UserError("--runs-per-gpu must be >= 1");
    if (c.max_concurrent < 0 || c.gpus_per_task < 0 || c.cpus_per_task < 0)
      throw UserError("--max-concurrent, --gpus-per-task and --cpus-per-task must be >= 0");
    if (c.signal_seconds < 1) throw UserError("--signal-seconds must be >= 1");
    for (const auto& extra : c.extra)
      if (extra.rfind("--", 0) != 0 || extra.find('\n') != std::string::npos)
        throw UserError(fmt::format("--sbatch '{}': give one sbatch option, e.g. --sbatch=--constraint=a100", extra));
    if (!o.dry_run && run_tool({"sbatch", "--version"}).first != 0)
      throw UserError(
          "the slurm backend submits with sbatch, which is not on PATH here (run on a Slurm login node, "
          "or --dry-run to see the script)");
  }

  SweepOutcome submit(const SweepPlan& plan, const std::vector<Job>& jobs, const LaunchOptions& o,
                      SweepOutcome outcome) override {
    const std::string sweep_dir = absolute(sweep_dir_of(o, plan));
    fs::create_directories(slurm_dir(sweep_dir));
    fs::create_directories(fs::path(sweep_dir) / "shards");
    const int launch = static_cast<int>(submitted_launches(sweep_dir).size()) + 1;
    const int per_task = runs_per_task(o);
    const int tasks = static_cast<int>((jobs.size() + per_task - 1) / per_task);
    const std::string script_path = launch_file(sweep_dir, launch, ".sbatch");
    write_atomically(launch_file(sweep_dir, launch, ".tasks.tsv"), map_text(plan, jobs, per_task));
    const std::string script = script_text(plan, o, sweep_dir, launch, tasks, jobs.size());
    write_atomically(script_path, script);
    if (o.dry_run) {
      std::cout << script
                << fmt::format("dry run: {} written; nothing submitted (submit it with: sbatch {})\n", script_path,
                               script_path);
      return outcome;
    }
    auto [code, output] = run_tool({"sbatch", "--parsable", script_path});
    if (code != 0) throw Error(fmt::format("sbatch {} failed: {}", script_path, trimmed(output)));
    const std::string job_id = trimmed(output.substr(0, output.find(';')));  // "1234" or "1234;cluster"
    write_atomically(launch_file(sweep_dir, launch, ".job"), job_id + "\n");
    outcome.submitted = static_cast<int>(jobs.size());
    outcome.submission = fmt::format("job array {} ({} task(s), script {})", job_id, tasks, script_path);
    return outcome;
  }

  // Each run's task state from squeue (all states: finished tasks stay visible for the controller's MinJobAge); a
  // task squeue does not know is "not found": cancelled while pending, or purged. The latest launch of a run wins.
  std::map<std::string, std::string> poll(const SweepPlan& plan, const LaunchOptions& o) override {
    std::map<std::string, std::string> states;
    std::set<std::string> in_plan;
    for (const auto& run : plan.runs) in_plan.insert(run.run_id);
    for (const auto& launch : submitted_launches(sweep_dir_of(o, plan))) {
      auto [code, output] = run_tool({"squeue", "-h", "-r", "-t", "all", "-j", launch.job_id, "-o", "%K|%T|%r"});
      // A job the controller no longer knows is "Invalid job id": its tasks are not found. Any other failure
      // (no squeue here, no controller) says nothing about the tasks.
      const std::string unknown = code != 0 && output.find("Invalid job id") == std::string::npos
                                      ? "unknown (squeue: " + trimmed(output.substr(0, output.find('\n'))) + ")"
                                      : "not found";
      std::map<int, std::string> task_state;
      std::stringstream lines(output);
      for (std::string line; code == 0 && std::getline(lines, line);) {
        const auto bar = line.find('|');
        if (bar == std::string::npos) continue;
        std::string state = line.substr(bar + 1);
        std::transform(state.begin(), state.end(), state.begin(), ::tolower);
        const auto reason = state.find('|');
        if (reason != std::string::npos)
          state = state.substr(reason + 1) == "none" ? state.substr(0, reason)
                                                     : state.substr(0, reason) + " (" + state.substr(reason + 1) + ")";
        task_state[std::atoi(line.substr(0, bar).c_str())] = state;
      }
      for (const auto& row : read_map(launch.map_path).rows) {
        if (!in_plan.count(row.job.run_id)) continue;
        auto it = task_state.find(row.task);
        states[row.job.run_id] =
            fmt::format("{}_{}: {}", launch.job_id, row.task, it == task_state.end() ? unknown : it->second);
      }
    }
    return states;
  }

  // scancel of each task holding one of the runs (the whole array when every task is meant); the runs packed with
  // them in one task are cancelled too, and listed first, so the task sees them all cancelled when SIGTERM comes.
  std::vector<std::string> cancel(const SweepPlan& plan, const LaunchOptions& o,
                                  const std::vector<std::string>& run_ids) override {
    const std::string sweep_dir = sweep_dir_of(o, plan);
    std::vector<std::string> cancelled;
    for (const auto& launch : submitted_launches(sweep_dir)) {
      const auto rows = read_map(launch.map_path).rows;
      std::set<int> tasks, all_tasks;
      for (const auto& row : rows) {
        all_tasks.insert(row.task);
        if (run_ids.empty() || std::find(run_ids.begin(), run_ids.end(), row.job.run_id) != run_ids.end())
          tasks.insert(row.task);
      }
      if (tasks.empty()) continue;
      std::vector<std::string> ids;
      for (const auto& row : rows)
        if (tasks.count(row.task)) ids.push_back(row.job.run_id);
      add_cancelled_runs(sweep_dir, ids);
      std::vector<std::string> argv = {"scancel"};
      if (tasks == all_tasks) argv.push_back(launch.job_id);
      else
        for (int t : tasks) argv.push_back(fmt::format("{}_{}", launch.job_id, t));
      auto [code, output] = run_tool(argv);
      if (code != 0) std::cerr << fmt::format("gatelab: warning: {}: {}\n", argv[0], trimmed(output));
      cancelled.insert(cancelled.end(), ids.begin(), ids.end());
    }
    return cancelled;
  }

  int run_task(const std::string& map_path, const LaunchOptions& options) override {
    const std::string index_text = env_or("SLURM_ARRAY_TASK_ID", "");
    if (index_text.empty())
      throw UserError("gatelab sweep task runs inside a Slurm array task (SLURM_ARRAY_TASK_ID is not set)");
    if (options.out_dir.empty()) throw UserError("gatelab sweep task: give the sweep's folder with --out");
    const int index = std::stoi(index_text);
    const std::string job = env_or("SLURM_ARRAY_JOB_ID", env_or("SLURM_JOB_ID", "?")) + "_" + index_text;
    const TaskMap map = read_map(map_path);
    const std::string stem = fs::path(map_path).stem().stem().string();  // launch-N
    const std::string sweep_dir = options.out_dir;

    LaunchOptions task = options;
    task.db_path = (fs::path(sweep_dir) / "shards" / fmt::format("{}-task-{}.db", stem, index)).string();
    task.restart_count = std::stoll(env_or("SLURM_RESTART_COUNT", "0"));
    task.max_retries = 0;  // a failure requeues the task (below), bounded by --max-retries
    task.progress = "lines";
    fs::create_directories(fs::path(task.db_path).parent_path());

    SweepPlan plan;
    plan.name = map.sweep_name;
    plan.sweep_id = map.sweep_id;
    std::vector<Job> jobs;
    const auto cancelled = cancelled_runs(sweep_dir);
    for (const auto& row : map.rows) {
      if (row.task != index || cancelled.count(row.job.run_id)) continue;
      plan.runs.push_back({row.job.name, row.job.run_id, {}, {}, false});
      jobs.push_back(row.job);
    }
    std::cout << fmt::format("gatelab sweep task {} (restart {}): {} run(s) into {}\n", job, task.restart_count,
                             jobs.size(), task.db_path)
              << std::flush;
    if (jobs.empty()) return kExitOk;
    SweepOutcome outcome = backend_registry().get("local").make()->submit(plan, jobs, task, {});
    signal(SIGUSR1, SIG_IGN);  // a second warning must not kill the task before it requeues itself
    if (!outcome.stopped && outcome.failed == 0) return outcome.interrupted > 0 ? kExitStopped : kExitOk;

    if (all_cancelled(jobs, sweep_dir)) {
      std::cout << fmt::format("task {}: its runs are cancelled; not requeued\n", job);
      return kExitInterrupted;
    }
    if (!outcome.stopped) {  // a run failed: requeue while retries are left
      const std::string failures_path =
          (fs::path(slurm_dir(sweep_dir)) / fmt::format("{}-task-{}.failures", stem, index)).string();
      const int failures = read_count(failures_path);
      if (failures >= options.max_retries) {
        std::cout << fmt::format("task {}: {} run(s) failed; no retries left (--max-retries {})\n", job, outcome.failed,
                                 options.max_retries);
        return kExitFailure;
      }
      write_atomically(failures_path, fmt::format("{}\n", failures + 1));
      std::cout << fmt::format("task {}: {} run(s) failed; requeueing the task (retry {} of {})\n", job, outcome.failed,
                               failures + 1, options.max_retries);
    }
    // Every run has written its checkpoint and exited: requeueing (which kills this job) loses nothing.
    std::cout << fmt::format("task {}: every run has exited{}; scontrol requeue {}\n", job,
                             outcome.stopped ? " after its checkpoint" : "", job)
              << std::flush;
    auto [code, output] = run_tool({"scontrol", "requeue", job});
    if (code != 0) {
      std::cout << fmt::format("task {}: scontrol requeue failed: {}\n", job, trimmed(output));
      return kExitFailure;
    }
    return kExitInterrupted;
  }

 private:
  static bool all_cancelled(const std::vector<Job>& jobs, const std::string& sweep_dir) {
    const auto cancelled = cancelled_runs(sweep_dir);
    return std::all_of(jobs.begin(), jobs.end(), [&](const Job& j) { return cancelled.count(j.run_id) > 0; });
  }
};

}  // namespace

std::unique_ptr<Backend> make_slurm_backend() { return std::make_unique<SlurmBackend>(); }

}  // namespace gatelab::sweeps
