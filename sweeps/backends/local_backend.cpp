// The local backend: one child process (`gatelab run`) per run, so a crash, CUDA fault or OOM kill in one run
// cannot take the sweep down. Runs are placed on slots: `runs_per_gpu` slots per GPU (CUDA_VISIBLE_DEVICES pins
// the child to its GPU), or CPU slots with a thread budget each.
//
// The pieces: child_process.h starts, locks and reaps the children (and says why each safeguard is there),
// scheduling.h decides what starts next and what happens after a child exits, progress_display.h prints. This file
// ties them to the results DB and the sweep's stop requests.
#include <fmt/format.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "harness/util/build_info.h"
#include "harness/util/errors.h"
#include "sweeps/backends/child_process.h"
#include "sweeps/backends/cuda_mps.h"
#include "sweeps/backends/progress_display.h"
#include "sweeps/backends/scheduling.h"
#include "sweeps/launch.h"

namespace gatelab::sweeps {

namespace {

namespace fs = std::filesystem;
using Clock = SchedulerClock;

std::atomic<int> g_stop_requests{0};
void on_stop(int) { g_stop_requests++; }

int cpu_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

// GPUs this process may use, without initialising CUDA here (a CUDA context in the scheduler would hold memory
// on GPU 0 for the whole sweep): CUDA_VISIBLE_DEVICES if set, else the driver's list of GPUs.
std::vector<std::string> visible_gpus() {
  if (const char* env = std::getenv("CUDA_VISIBLE_DEVICES")) return split_commas(env);
  std::vector<std::string> out;
  std::error_code ec;
  size_t count = 0;
  if (fs::exists("/proc/driver/nvidia/gpus", ec))
    for (auto it = fs::directory_iterator("/proc/driver/nvidia/gpus", ec); it != fs::directory_iterator(); ++it)
      ++count;
  for (size_t i = 0; i < count; ++i) out.push_back(std::to_string(i));
  return out;
}

}  // namespace

std::vector<Slot> local_slots(const LaunchOptions& o, int cores) {
  std::vector<std::string> gpus;
  if (o.gpus == "auto" || o.gpus == "all") {
    gpus = visible_gpus();
    if (gpus.empty() && o.gpus == "all")
      throw UserError(
          "--gpus all: no GPU is visible (no /proc/driver/nvidia/gpus, CUDA_VISIBLE_DEVICES empty); "
          "use --gpus none to run on CPU");
  } else if (o.gpus != "none" && o.gpus != "cpu") {
    gpus = split_commas(o.gpus);
    for (const auto& g : gpus)
      if (g.empty() || g.find_first_not_of("0123456789") != std::string::npos)
        throw UserError(
            fmt::format("--gpus '{}': expected all, none, or a comma list of GPU indices like 0,1", o.gpus));
    // Indices count the GPUs this process sees, as torch numbers them; under an outer CUDA_VISIBLE_DEVICES (a
    // cluster's allocation) the child gets the outer entry. An index the machine does not have is refused here,
    // before the sweep is registered.
    const char* env = std::getenv("CUDA_VISIBLE_DEVICES");
    const auto visible = visible_gpus();
    for (auto& g : gpus) {
      const size_t i = std::stoul(g);
      if (i >= visible.size())
        throw UserError(fmt::format("--gpus {}: only {} GPU(s) are visible ({}); use --gpus none for CPU", o.gpus,
                                    visible.size(),
                                    env ? fmt::format("CUDA_VISIBLE_DEVICES={}", env) : "/proc/driver/nvidia/gpus"));
      g = visible[i];
    }
  }
  if (o.runs_per_gpu < 1) throw UserError("--runs-per-gpu must be at least 1");
  check_mps_mode(o.mps);
  if (o.mps == "on" && gpus.empty())
    throw UserError("--mps on: this sweep runs on CPU, where there is no GPU to share (use --mps auto or off)");
  if (o.max_parallel < 0 || o.threads_per_run < 0) throw UserError("--max-parallel and --threads-per-run must be >= 0");
  std::vector<Slot> slots;
  if (!gpus.empty()) {
    for (int k = 0; k < o.runs_per_gpu; ++k)
      for (const auto& g : gpus) slots.push_back({"cuda:" + g, g, "cuda", 1});
  } else {
    int n =
        o.threads_per_run > 0 ? std::max(1, cores / o.threads_per_run) : (o.max_parallel > 0 ? o.max_parallel : cores);
    for (int k = 0; k < n; ++k) slots.push_back({"cpu", "", "cpu", 1});
  }
  if (o.max_parallel > 0 && static_cast<int>(slots.size()) > o.max_parallel) slots.resize(o.max_parallel);
  const int threads = o.threads_per_run > 0 ? o.threads_per_run : std::max(1, cores / static_cast<int>(slots.size()));
  for (auto& s : slots) s.threads = threads;
  return slots;
}

namespace {

struct Running {
  size_t job;
  size_t slot;
  int lock_fd;
  Clock::time_point started;
};

class LocalBackend : public Backend {
 public:
  void validate(const LaunchOptions& options) const override { local_slots(options, cpu_cores()); }

  SweepOutcome submit(const SweepPlan& plan, const std::vector<Job>& jobs, const LaunchOptions& options,
                      SweepOutcome outcome) override {
    if (options.dry_run) return print_commands(jobs, options, outcome);
    begin(plan, jobs, options, outcome);
    install_signal_handlers();
    run_until_done();
    display_->clear();
    restore_signal_handlers();
    mps_.reset();  // every child has exited: stop our MPS daemon
    outcome_.stopped = stopping_;
    if (stopping_) outcome_.interrupted += static_cast<int>(queue_.size());
    display_->event(summary_line());
    return outcome_;
  }

  // A run is running here while a child holds its lock.
  std::map<std::string, std::string> poll(const SweepPlan& plan, const LaunchOptions& options) override {
    std::map<std::string, std::string> states;
    for (const auto& run : plan.runs)
      if (auto pid = run_lock_holder(run_dir_of(options, run.run_id)))
        states[run.run_id] = fmt::format("running here (pid {})", *pid);
    return states;
  }

  // Asks each running child of these runs to checkpoint (SIGTERM) and waits for it to exit, so that the run's
  // last word in the DB is said before the caller marks it cancelled. The sweep that started the child does not
  // restart a cancelled run.
  std::vector<std::string> cancel(const SweepPlan& plan, const LaunchOptions& options,
                                  const std::vector<std::string>& run_ids) override {
    std::vector<std::string> stopped;
    for (const auto& run : plan.runs) {
      if (!run_ids.empty() && std::find(run_ids.begin(), run_ids.end(), run.run_id) == run_ids.end()) continue;
      const std::string dir = run_dir_of(options, run.run_id);
      if (auto pid = run_lock_holder(dir)) {
        kill(*pid, SIGTERM);
        stopped.push_back(run.run_id);
      }
    }
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    for (const auto& id : stopped)
      while (run_lock_holder(run_dir_of(options, id)) && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return stopped;
  }

 private:
  // --dry-run: each job's command line, as the sweep would start it.
  SweepOutcome print_commands(const std::vector<Job>& jobs, const LaunchOptions& options, SweepOutcome outcome) {
    const auto slots = local_slots(options, cpu_cores());
    const std::string exe = fs::read_symlink("/proc/self/exe").string();
    for (size_t i = 0; i < jobs.size(); ++i) {
      const Slot& slot = slots[i % slots.size()];
      std::cout << fmt::format("CUDA_VISIBLE_DEVICES={} {}\n", slot.cuda_visible,
                               command_line(exe, child_arguments(jobs[i], options, slot.device, slot.threads)));
    }
    std::cout << fmt::format("dry run: {} run(s) on {} slot(s); nothing was started\n", jobs.size(), slots.size());
    return outcome;
  }

  // The sweep's state before its first job starts: slots, display, progress so far, the queue, MPS.
  void begin(const SweepPlan& plan, const std::vector<Job>& jobs, const LaunchOptions& options,
             const SweepOutcome& outcome) {
    plan_ = &plan;
    jobs_ = &jobs;
    options_ = &options;
    outcome_ = outcome;
    skipped_before_ = outcome.skipped;
    slots_ = local_slots(options, cpu_cores());
    exe_ = fs::read_symlink("/proc/self/exe").string();
    store_ = std::make_unique<results::Store>(options.db_path);
    display_ = std::make_unique<ProgressDisplay>(
        options.progress == "live" || (options.progress == "auto" && isatty(STDOUT_FILENO)),
        (fs::path(sweep_dir_of(options, plan)) / "sweep.log").string());
    progress_.assign(jobs.size(), JobProgress{});
    reported_eval_step_.assign(jobs.size(), 0);
    read_initial_steps();
    display_->event(
        fmt::format("sweep {} ({}): {} runs, {} already done, {} to run on {} slot(s) [{}], {} thread(s) each",
                    plan.name, plan.sweep_id, plan.runs.size(), outcome.skipped, jobs.size(), slots_.size(),
                    slots_.front().label, slots_.front().threads));
    for (size_t i = 0; i < jobs.size(); ++i) queue_.push_back(i);
    start_mps();
  }

  void read_initial_steps() {
    std::vector<std::string> ids;
    for (const auto& j : *jobs_) ids.push_back(j.run_id);
    auto states = read_run_states(*store_, ids);
    for (size_t i = 0; i < jobs_->size(); ++i) {
      const Job& job = (*jobs_)[i];
      if (states.count(job.run_id))
        progress_[i].initial_steps = std::min(states[job.run_id].steps_done, job.total_steps);
    }
  }

  // Our MPS daemon, when a GPU has more than one slot and more than one job could share it.
  void start_mps() {
    std::map<std::string, int> slots_per_gpu;
    for (const auto& slot : slots_)
      if (!slot.cuda_visible.empty()) ++slots_per_gpu[slot.cuda_visible];
    const bool packed =
        std::any_of(slots_per_gpu.begin(), slots_per_gpu.end(), [](const auto& g) { return g.second > 1; });
    mps_ = std::make_unique<MpsDaemon>(options_->mps, packed && jobs_->size() > 1,
                                       (fs::path(sweep_dir_of(*options_, *plan_)) / "mps-log").string());
    if (!mps_->status().empty()) display_->event(mps_->status());
  }

  // The scheduler's loop: forward stop requests, start what can start, reap, show progress.
  void run_until_done() {
    started_ = Clock::now();
    int stop_seen = 0;
    auto last_render = Clock::now() - std::chrono::hours(1);
    auto last_line = Clock::now(), last_poll = Clock::now();
    while (!queue_.empty() || !running_.empty()) {
      forward_stop_requests(stop_seen);
      if (stopping_ && running_.empty()) break;
      if (!stopping_) launch_ready();
      reap();
      const auto now = Clock::now();
      if (display_->live() && now - last_render > std::chrono::milliseconds(500)) {
        render();
        last_render = now;
      } else if (!display_->live() && now - last_line > std::chrono::seconds(60)) {
        display_->event(summary_line());
        last_line = now;
      } else if (!display_->live() && now - last_poll > std::chrono::seconds(1)) {
        report_evaluations();
        last_poll = now;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  // The first stop request asks every child to checkpoint (SIGTERM); a second kills them.
  void forward_stop_requests(int& stop_seen) {
    const int stops = g_stop_requests.load();
    if (stops <= stop_seen) return;
    stop_seen = stops;
    stopping_ = true;
    const int sig = stops == 1 ? SIGTERM : SIGKILL;
    display_->event(
        stops == 1
            ? fmt::format("stopping: asking {} running run(s) to checkpoint (Ctrl-C again kills them)", running_.size())
            : fmt::format("killing {} running run(s); they resume from their last checkpoint", running_.size()));
    for (const auto& [pid, r] : running_) kill(pid, sig);
  }

  void install_signal_handlers() {
    g_stop_requests = 0;
    struct sigaction action {};
    action.sa_handler = on_stop;
    sigemptyset(&action.sa_mask);
    // SIGUSR1: a cluster's warning before preemption or the time limit, when this scheduler runs a cluster task.
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR1}) sigaction(s, &action, nullptr);
  }
  void restore_signal_handlers() {
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR1}) signal(s, SIG_DFL);
  }

  void launch_ready() {
    for (size_t s = 0; s < slots_.size(); ++s)
      if (!slots_[s].busy) queue_.start_next(Clock::now(), [&](size_t job) { return try_start(job, s); });
  }

  // Starts a job on a free slot unless another process holds its run (an overlapping sweep): then it waits, and
  // may find the run finished once the lock is free.
  JobQueue::Offer try_start(size_t job_index, size_t slot_index) {
    const Job& job = (*jobs_)[job_index];
    JobState& state = progress_[job_index].state;
    const int fd = try_lock_run(job.run_dir);
    if (fd < 0) {
      if (state != JobState::WaitingForLock)
        display_->event(
            fmt::format("wait   {}: another process is running it (lock {})", job.name, run_lock_path(job.run_dir)));
      state = JobState::WaitingForLock;
      return JobQueue::Offer::Deferred;
    }
    if (cancelled_runs(sweep_dir_of(*options_, *plan_)).count(job.run_id)) {
      close(fd);
      ++outcome_.interrupted;
      state = JobState::Interrupted;
      display_->event(fmt::format("cancel {}: cancelled (gatelab sweep cancel); not started", job.name));
      return JobQueue::Offer::Dropped;
    }
    auto states = read_run_states(*store_, {job.run_id});
    if (states.count(job.run_id) && results::is_done(states[job.run_id].status)) {
      close(fd);
      ++outcome_.skipped;
      state = JobState::Done;
      display_->event(
          fmt::format("skip   {}: {} by another process", job.name, results::to_string(states[job.run_id].status)));
      return JobQueue::Offer::Dropped;
    }
    spawn(job_index, slot_index, fd);
    return JobQueue::Offer::Started;
  }

  void spawn(size_t job_index, size_t slot_index, int lock_fd) {
    const Job& job = (*jobs_)[job_index];
    Slot& slot = slots_[slot_index];
    ChildCommand command;
    command.exe = exe_;
    command.args = child_arguments(job, *options_, slot.device, slot.threads, progress_[job_index].micro_batches);
    command.env = child_environment(slot.cuda_visible,
                                    slot.cuda_visible.empty() ? std::vector<std::string>{} : mps_->child_environment());
    command.log_path = job.log_path;
    command.log_header = fmt::format("=== {} on {} (CUDA_VISIBLE_DEVICES={}): {}\n", utc_now(), slot.label,
                                     slot.cuda_visible, command_line(exe_, command.args));
    const pid_t pid = spawn_child(command, lock_fd);
    slot.busy = true;
    running_[pid] = {job_index, slot_index, lock_fd, Clock::now()};
    progress_[job_index].state = JobState::Running;
    const int retries = progress_[job_index].retries;
    display_->event(fmt::format("start  {} ({}) on {}{}{}", job.name, job.run_id, slot.label,
                                !job.previous_status || *job.previous_status == results::RunStatus::Queued
                                    ? ""
                                    : fmt::format(", was {}", results::to_string(*job.previous_status)),
                                retries ? fmt::format(", retry {} of {}", retries, options_->max_retries) : ""));
  }

  void reap() {
    while (auto exited = reap_exited_child()) {
      auto it = running_.find(exited->pid);
      if (it == running_.end()) continue;
      Running r = it->second;
      running_.erase(it);
      slots_[r.slot].busy = false;
      finish(r, exited->wait_status);
      close(r.lock_fd);  // after the DB says what happened, so a waiting sweep reads the final status
    }
  }

  // Records how a child ended and acts on the policy's next step.
  void finish(const Running& r, int status) {
    const Job& job = (*jobs_)[r.job];
    JobProgress& progress = progress_[r.job];
    const double seconds = std::chrono::duration<double>(Clock::now() - r.started).count();
    auto states = read_run_states(*store_, {job.run_id});
    const RunState state = states.count(job.run_id) ? states[job.run_id] : RunState{};
    report_evaluation(r.job, state);  // the last one, which a child faster than the poll would skip
    const bool cancelled =
        !results::is_done(state.status) && cancelled_runs(sweep_dir_of(*options_, *plan_)).count(job.run_id);
    const RetryLimits limits{options_->max_retries, options_->on_oom == "split-batch" ? job.batch_size : 0};
    const NextStep next =
        cancelled ? NextStep::Stopped : next_step({status, results::is_done(state.status), stopping_}, progress, limits);
    switch (next) {
      case NextStep::Done:
        (state.status == results::RunStatus::Finished ? outcome_.finished : outcome_.diverged)++;
        progress.state = JobState::Done;
        display_->event(fmt::format("{} {} after {}{}",
                                    state.status == results::RunStatus::Finished ? "done  " : "diverg", job.name,
                                    duration_text(seconds), state.reason.empty() ? "" : " (" + state.reason + ")"));
        return;
      case NextStep::Stopped:
        ++outcome_.interrupted;
        progress.state = JobState::Interrupted;
        display_->event(fmt::format("{} {} at step {} (checkpointed; resumes on relaunch)",
                                    cancelled ? "cancel" : "stop  ", job.name, state.steps_done));
        return;
      case NextStep::Resume:
        display_->event(
            fmt::format("resume {}: interrupted by a signal from outside the sweep ({})", job.name, state.reason));
        progress.state = JobState::Queued;
        queue_.push_front(r.job);
        return;
      case NextStep::SplitBatch:
        display_->event(fmt::format("oom    {}: {}; again with {} micro-batches per step", job.name, state.reason,
                                    progress.micro_batches));
        progress.state = JobState::Queued;
        queue_.push_front(r.job);
        return;
      case NextStep::OutOfMemory:
        ++outcome_.out_of_memory;
        progress.state = JobState::Failed;
        display_->event(fmt::format("OOM    {}: {}{}", job.name, state.reason,
                                    options_->on_oom == "split-batch" ? "; its batch cannot be split further" : ""));
        return;
      case NextStep::Retry:
      case NextStep::Fail:
      case NextStep::FailBadInput: record_failure(r.job, status, next); return;
    }
  }

  // A failure the child could not record itself: into the DB with its reason and log, then retried or final.
  void record_failure(size_t job_index, int status, NextStep next) {
    const Job& job = (*jobs_)[job_index];
    JobProgress& progress = progress_[job_index];
    std::string reason = describe_exit(status);
    const std::string detail = failure_line(job.log_path);
    if (!detail.empty()) reason += ": " + detail;
    reason += " (log: " + job.log_path + ")";
    // A DB that cannot be written (a full disk) must not end the sweep here with children still running: the
    // failure is shown and counted, the row stays as the child left it, and the next launch runs it again.
    try {
      mark_run_failed(*store_, job.run_id, reason);
    } catch (const Error& e) {
      display_->event(fmt::format("FAIL   {}: cannot record the failure: {}", job.name, e.what()));
    }
    if (next == NextStep::Retry) {
      progress.state = JobState::Queued;
      display_->event(
          fmt::format("FAIL   {}: {}; retrying ({} of {})", job.name, reason, progress.retries, options_->max_retries));
      queue_.push_front(job_index, Clock::now() + std::chrono::seconds(1));
      return;
    }
    ++outcome_.failed;
    progress.state = JobState::Failed;
    display_->event(fmt::format("FAIL   {}: {}{}", job.name, reason,
                                next == NextStep::Fail ? "; no retries left" : " (bad input: not retried)"));
  }

  int count(JobState s) const {
    return static_cast<int>(
        std::count_if(progress_.begin(), progress_.end(), [s](const JobProgress& p) { return p.state == s; }));
  }

  std::string summary_line() {
    std::vector<std::string> ids;
    for (const auto& j : *jobs_) ids.push_back(j.run_id);
    std::map<std::string, RunState> states;
    try {
      states = read_run_states(*store_, ids);
    } catch (const SQLite::Exception&) {
      // Progress is best effort: a DB busy past its timeout must not stop the sweep.
    }
    int64_t remaining = 0, progressed = 0;
    for (size_t i = 0; i < jobs_->size(); ++i) {
      const auto& j = (*jobs_)[i];
      int64_t done = states.count(j.run_id) ? std::min(states[j.run_id].steps_done, j.total_steps) : 0;
      if (progress_[i].state == JobState::Done) done = j.total_steps;
      if (progress_[i].state != JobState::Failed) remaining += j.total_steps - done;
      progressed += std::max<int64_t>(0, done - progress_[i].initial_steps);
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
    const double eta = progressed > 0 ? remaining * elapsed / progressed : -1;
    return fmt::format("sweep {}: {}/{} done, {} running, {} failed, {} queued; elapsed {}, ETA {}", plan_->name,
                       skipped_before_ + count(JobState::Done), plan_->runs.size(), count(JobState::Running),
                       count(JobState::Failed), count(JobState::Queued) + count(JobState::WaitingForLock),
                       duration_text(elapsed), remaining == 0 ? "0s" : duration_text(eta));
  }

  // Log-line mode (--progress lines, or no TTY): one line per run at each evaluation it has recorded since the
  // last look, so a log shows every run's validation curve as it goes.
  void report_evaluations() {
    std::vector<std::string> ids;
    for (const auto& [pid, r] : running_) ids.push_back((*jobs_)[r.job].run_id);
    std::map<std::string, RunState> states;
    try {
      states = read_run_states(*store_, ids);
    } catch (const SQLite::Exception&) {
      return;  // best effort, as the live block
    }
    for (const auto& [pid, r] : running_) report_evaluation(r.job, states[(*jobs_)[r.job].run_id]);
  }

  void report_evaluation(size_t job_index, const RunState& state) {
    if (display_->live() || state.valid_step <= reported_eval_step_[job_index]) return;
    reported_eval_step_[job_index] = state.valid_step;
    const Job& job = (*jobs_)[job_index];
    display_->event(fmt::format("eval   {} step {}/{}: {}", job.name, state.valid_step, job.total_steps,
                                valid_metric_text(state.valid_key, state.valid_value)));
  }

  // The live block: the summary line, then each running run's step, loss and throughput.
  void render() {
    std::vector<std::string> ids;
    std::vector<const Running*> rs;
    for (const auto& [pid, r] : running_) {
      ids.push_back((*jobs_)[r.job].run_id);
      rs.push_back(&r);
    }
    std::map<std::string, RunState> states;
    try {
      states = read_run_states(*store_, ids);
    } catch (const SQLite::Exception&) {
      return;  // progress is best effort; the next frame will try again
    }
    std::vector<std::string> lines{summary_line()};
    for (const auto* r : rs) {
      const Job& job = (*jobs_)[r->job];
      const RunState& s = states[job.run_id];
      lines.push_back(running_row(job.name, slots_[r->slot].label, s.steps_done, job.total_steps, s.train_loss,
                                  s.tokens_per_s, valid_metric_text(s.valid_key, s.valid_value)));
    }
    display_->show(lines);
  }

  const SweepPlan* plan_ = nullptr;
  const std::vector<Job>* jobs_ = nullptr;
  const LaunchOptions* options_ = nullptr;
  SweepOutcome outcome_;
  std::vector<Slot> slots_;
  std::unique_ptr<results::Store> store_;
  std::unique_ptr<MpsDaemon> mps_;
  std::unique_ptr<ProgressDisplay> display_;
  std::string exe_;
  bool stopping_ = false;
  int skipped_before_ = 0;
  JobQueue queue_;
  std::map<pid_t, Running> running_;
  std::vector<JobProgress> progress_;        // by job index
  std::vector<int64_t> reported_eval_step_;  // by job index: the last evaluation step printed (lines mode)
  Clock::time_point started_;
};

}  // namespace

std::unique_ptr<Backend> make_local_backend() { return std::make_unique<LocalBackend>(); }

}  // namespace gatelab::sweeps
