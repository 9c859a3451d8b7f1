// The local backend: one child process (`gatelab run`) per run, so a crash, CUDA fault or OOM kill in one run
// cannot take the sweep down. Runs are placed on slots: `runs_per_gpu` slots per GPU (CUDA_VISIBLE_DEVICES pins
// the child to its GPU), or CPU slots with a thread budget each.
//
// Why each piece:
// - A lock file per run (<run_dir>/lock, flock) held by the child: two sweeps sharing a run never train it twice;
//   the second waits and then finds it finished. The lock outlives a killed scheduler because the child holds it.
// - Children get SIGTERM when the scheduler dies (PR_SET_PDEATHSIG): a SIGKILLed scheduler leaves checkpointed,
//   'interrupted' runs behind, not orphans training unobserved.
// - Children run in their own process group: Ctrl-C reaches only the scheduler, which forwards SIGTERM so each
//   child checkpoints once; a second Ctrl-C kills them (they resume from their last checkpoint).
#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "harness/util/build_info.h"
#include "harness/util/errors.h"
#include "sweeps/backends/cuda_mps.h"
#include "sweeps/launch.h"

extern char** environ;

namespace gatelab::sweeps {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kExitInterrupted = 3;     // gatelab run: stopped by a signal, checkpoint written
constexpr int kExitUserError = 2;       // gatelab run: bad input; retrying cannot help
constexpr int kMaxUnaskedResumes = 10;  // a child interrupted by someone else (preemption) is resumed this often

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
    // Under an outer CUDA_VISIBLE_DEVICES (a cluster's allocation), indices count the GPUs this process sees, as
    // torch numbers them; the child gets the outer entry.
    if (const char* env = std::getenv("CUDA_VISIBLE_DEVICES")) {
      const auto outer = split_commas(env);
      for (auto& g : gpus) {
        const size_t i = std::stoul(g);
        if (i >= outer.size())
          throw UserError(fmt::format("--gpus {}: only {} GPU(s) are visible (CUDA_VISIBLE_DEVICES={})", o.gpus,
                                      outer.size(), env));
        g = outer[i];
      }
    }
  }
  if (o.runs_per_gpu < 1) throw UserError("--runs-per-gpu must be at least 1");
  check_mps_mode(o.mps);
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

std::string clock_time() {
  std::string t = utc_now();  // 2026-11-23T23:11:44Z
  return t.size() >= 19 ? t.substr(11, 8) : t;
}

std::string duration_text(double seconds) {
  if (!(seconds >= 0) || seconds > 1e8) return "--";
  int64_t s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

// The last line of a child's log that explains a failure ("gatelab: error: ..." / "gatelab: failed: ...").
std::string failure_line(const std::string& log_path) {
  std::ifstream in(log_path);
  std::string line, last, explained;
  while (std::getline(in, line)) {
    if (line.rfind("gatelab: ", 0) == 0 || line.find("what():") != std::string::npos) explained = line;
    if (!line.empty()) last = line;
  }
  return explained.empty() ? last : explained;
}

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return fmt::format("exit code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return fmt::format("killed by signal {} ({}){}", sig, strsignal(sig),
                       sig == SIGKILL ? "; out of memory or killed by hand" : "");
  }
  return fmt::format("wait status {}", status);
}

struct Running {
  size_t job;
  size_t slot;
  int lock_fd;
  Clock::time_point started;
};

struct Pending {
  size_t job;
  Clock::time_point not_before;
};

class LocalBackend : public Backend {
 public:
  void validate(const LaunchOptions& options) const override { local_slots(options, cpu_cores()); }

  SweepOutcome execute(const SweepPlan& plan, const std::vector<Job>& jobs, const LaunchOptions& options,
                       SweepOutcome outcome) override {
    plan_ = &plan;
    jobs_ = &jobs;
    options_ = &options;
    outcome_ = outcome;
    skipped_before_ = outcome.skipped;
    slots_ = local_slots(options, cpu_cores());
    live_ = options.progress == "live" || (options.progress == "auto" && isatty(STDOUT_FILENO));
    exe_ = fs::read_symlink("/proc/self/exe").string();
    store_ = std::make_unique<results::Store>(options.db_path);
    sweep_log_.open(fs::path(sweep_dir_of(options, plan)) / "sweep.log", std::ios::app);
    retries_.assign(jobs.size(), 0);
    unasked_resumes_.assign(jobs.size(), 0);
    job_state_.assign(jobs.size(), "queued");
    initial_steps_.assign(jobs.size(), 0);
    {
      std::vector<std::string> ids;
      for (const auto& j : jobs) ids.push_back(j.run_id);
      auto states = read_run_states(*store_, ids);
      for (size_t i = 0; i < jobs.size(); ++i)
        if (states.count(jobs[i].run_id))
          initial_steps_[i] = std::min(states[jobs[i].run_id].steps_done, jobs[i].total_steps);
    }
    event(fmt::format("sweep {} ({}): {} runs, {} already done, {} to run on {} slot(s) [{}], {} thread(s) each",
                      plan.name, plan.sweep_id, plan.runs.size(), outcome.skipped, jobs.size(), slots_.size(),
                      slots_.front().label, slots_.front().threads));
    for (size_t i = 0; i < jobs.size(); ++i) queue_.push_back({i, Clock::now()});
    {
      std::map<std::string, int> slots_per_gpu;
      for (const auto& slot : slots_)
        if (!slot.cuda_visible.empty()) ++slots_per_gpu[slot.cuda_visible];
      const bool packed =
          std::any_of(slots_per_gpu.begin(), slots_per_gpu.end(), [](const auto& g) { return g.second > 1; });
      mps_ = std::make_unique<MpsDaemon>(options.mps, packed && jobs.size() > 1,
                                         (fs::path(sweep_dir_of(options, plan)) / "mps-log").string());
      if (!mps_->status().empty()) event(mps_->status());
    }

    install_signal_handlers();
    started_ = Clock::now();
    int stop_seen = 0;
    auto last_render = Clock::now() - std::chrono::hours(1);
    auto last_line = Clock::now();
    while (!queue_.empty() || !running_.empty()) {
      const int stops = g_stop_requests.load();
      if (stops > stop_seen) {
        stop_seen = stops;
        stopping_ = true;
        const int sig = stops == 1 ? SIGTERM : SIGKILL;
        event(stops == 1
                  ? fmt::format("stopping: asking {} running run(s) to checkpoint (Ctrl-C again kills them)",
                                running_.size())
                  : fmt::format("killing {} running run(s); they resume from their last checkpoint", running_.size()));
        for (const auto& [pid, r] : running_) kill(pid, sig);
      }
      if (stopping_ && running_.empty()) break;
      if (!stopping_) launch_ready();
      reap();
      const auto now = Clock::now();
      if (live_ && now - last_render > std::chrono::milliseconds(500)) {
        render();
        last_render = now;
      } else if (!live_ && now - last_line > std::chrono::seconds(60)) {
        event(summary_line());
        last_line = now;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    clear_live();
    restore_signal_handlers();
    mps_.reset();  // every child has exited: stop our MPS daemon
    outcome_.stopped = stopping_;
    if (stopping_) outcome_.interrupted += static_cast<int>(queue_.size());
    event(summary_line());
    return outcome_;
  }

 private:
  void install_signal_handlers() {
    g_stop_requests = 0;
    struct sigaction action {};
    action.sa_handler = on_stop;
    sigemptyset(&action.sa_mask);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaction(s, &action, nullptr);
  }
  void restore_signal_handlers() {
    for (int s : {SIGINT, SIGTERM, SIGHUP}) signal(s, SIG_DFL);
  }

  // Starts queued jobs on free slots. A job whose run another process holds (an overlapping sweep) waits.
  void launch_ready() {
    for (size_t s = 0; s < slots_.size(); ++s) {
      if (slots_[s].busy) continue;
      const auto now = Clock::now();
      for (size_t tries = queue_.size(); tries > 0; --tries) {
        Pending p = queue_.front();
        queue_.pop_front();
        if (p.not_before > now) {
          queue_.push_back(p);
          continue;
        }
        const Job& job = (*jobs_)[p.job];
        fs::create_directories(job.run_dir);
        const std::string lock_path = (fs::path(job.run_dir) / "lock").string();
        int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) throw Error(fmt::format("cannot open lock file '{}': {}", lock_path, strerror(errno)));
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
          close(fd);
          if (job_state_[p.job] != "waiting")
            event(fmt::format("wait   {}: another process is running it (lock {})", job.name, lock_path));
          job_state_[p.job] = "waiting";
          queue_.push_back({p.job, now + std::chrono::seconds(1)});
          continue;
        }
        // Someone else may have finished it while we waited.
        auto states = read_run_states(*store_, {job.run_id});
        if (states.count(job.run_id) && is_done_status(states[job.run_id].status)) {
          close(fd);
          ++outcome_.skipped;
          job_state_[p.job] = "done";
          event(fmt::format("skip   {}: {} by another process", job.name, states[job.run_id].status));
          continue;
        }
        spawn(p.job, s, fd);
        break;
      }
    }
  }

  void spawn(size_t job_index, size_t slot_index, int lock_fd) {
    const Job& job = (*jobs_)[job_index];
    Slot& slot = slots_[slot_index];
    auto args = child_arguments(job, *options_, slot.device, slot.threads);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e)
      if (std::strncmp(*e, "CUDA_VISIBLE_DEVICES=", 21) != 0) env_strings.emplace_back(*e);
    env_strings.push_back("CUDA_VISIBLE_DEVICES=" + slot.cuda_visible);
    if (!slot.cuda_visible.empty())
      for (const auto& e : mps_->child_environment()) env_strings.push_back(e);
    std::vector<char*> argv{const_cast<char*>(exe_.c_str())}, envp;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);

    int log_fd = open(job.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) throw Error(fmt::format("cannot open run log '{}': {}", job.log_path, strerror(errno)));
    std::string command = exe_;
    for (const auto& a : args) command += " '" + a + "'";
    std::string header =
        fmt::format("=== {} on {} (CUDA_VISIBLE_DEVICES={}): {}\n", utc_now(), slot.label, slot.cuda_visible, command);
    if (write(log_fd, header.data(), header.size()) < 0) { /* the log is best effort */
    }
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    const pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) throw Error(fmt::format("fork failed: {}", strerror(errno)));
    if (pid == 0) {
      setpgid(0, 0);
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(kExitInterrupted);  // the scheduler died before prctl took effect
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      dup2(null_fd, STDIN_FILENO);
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
      fcntl(lock_fd, F_SETFD, 0);  // the child inherits its run's lock and holds it until it exits
      // /proc/self/exe is this very binary even if the file was rebuilt or deleted since the sweep started, so
      // every run of a sweep uses the same code.
      execve("/proc/self/exe", argv.data(), envp.data());
      const char message[] = "gatelab: failed: cannot exec the gatelab binary\n";
      if (write(STDERR_FILENO, message, sizeof(message) - 1) < 0) _exit(127);
      _exit(127);
    }
    close(log_fd);
    close(null_fd);
    // Who holds the run, for people (and tests) that need the child's pid.
    std::string holder = fmt::format("{}\n", pid);
    if (ftruncate(lock_fd, 0) == 0 && pwrite(lock_fd, holder.data(), holder.size(), 0) < 0) { /* informational */
    }
    slot.busy = true;
    running_[pid] = {job_index, slot_index, lock_fd, Clock::now()};
    job_state_[job_index] = "running";
    event(fmt::format(
        "start  {} ({}) on {}{}{}", job.name, job.run_id, slot.label,
        job.previous_status.empty() || job.previous_status == "queued" ? ""
                                                                       : fmt::format(", was {}", job.previous_status),
        retries_[job_index] ? fmt::format(", retry {} of {}", retries_[job_index], options_->max_retries) : ""));
  }

  void reap() {
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      auto it = running_.find(pid);
      if (it == running_.end()) continue;
      Running r = it->second;
      running_.erase(it);
      slots_[r.slot].busy = false;
      finish(r, status);
      close(r.lock_fd);  // after the DB says what happened, so a waiting sweep reads the final status
    }
  }

  void finish(const Running& r, int status) {
    const Job& job = (*jobs_)[r.job];
    const double seconds = std::chrono::duration<double>(Clock::now() - r.started).count();
    auto states = read_run_states(*store_, {job.run_id});
    const RunState state = states.count(job.run_id) ? states[job.run_id] : RunState{};
    const bool exited = WIFEXITED(status);
    const int code = exited ? WEXITSTATUS(status) : -1;
    if (exited && code == 0 && is_done_status(state.status)) {
      (state.status == "finished" ? outcome_.finished : outcome_.diverged)++;
      job_state_[r.job] = "done";
      event(fmt::format("{} {} after {}{}", state.status == "finished" ? "done  " : "diverg", job.name,
                        duration_text(seconds), state.reason.empty() ? "" : " (" + state.reason + ")"));
      return;
    }
    if ((exited && code == kExitInterrupted) || (stopping_ && WIFSIGNALED(status))) {
      if (stopping_) {
        ++outcome_.interrupted;
        job_state_[r.job] = "interrupted";
        event(fmt::format("stop   {} at step {} (checkpointed; resumes on relaunch)", job.name, state.steps_done));
        return;
      }
      if (++unasked_resumes_[r.job] <= kMaxUnaskedResumes) {
        event(fmt::format("resume {}: interrupted by a signal from outside the sweep ({})", job.name, state.reason));
        job_state_[r.job] = "queued";
        queue_.push_front({r.job, Clock::now()});
        return;
      }
    }
    std::string reason = describe_exit(status);
    const std::string detail = failure_line(job.log_path);
    if (!detail.empty()) reason += ": " + detail;
    reason += " (log: " + job.log_path + ")";
    mark_run_failed(*store_, job.run_id, reason);
    const bool retryable = !(exited && code == kExitUserError);
    if (retryable && retries_[r.job] < options_->max_retries && !stopping_) {
      ++retries_[r.job];
      job_state_[r.job] = "queued";
      event(
          fmt::format("FAIL   {}: {}; retrying ({} of {})", job.name, reason, retries_[r.job], options_->max_retries));
      queue_.push_front({r.job, Clock::now() + std::chrono::seconds(1)});
      return;
    }
    ++outcome_.failed;
    job_state_[r.job] = "failed";
    event(fmt::format("FAIL   {}: {}{}", job.name, reason,
                      retryable ? "; no retries left" : " (bad input: not retried)"));
  }

  int count_state(const std::string& s) const {
    return static_cast<int>(std::count(job_state_.begin(), job_state_.end(), s));
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
      if (job_state_[i] == "done") done = j.total_steps;
      if (job_state_[i] != "failed") remaining += j.total_steps - done;
      progressed += std::max<int64_t>(0, done - initial_steps_[i]);
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
    const double eta = progressed > 0 ? remaining * elapsed / progressed : -1;
    return fmt::format("sweep {}: {}/{} done, {} running, {} failed, {} queued; elapsed {}, ETA {}", plan_->name,
                       skipped_before_ + count_state("done"), plan_->runs.size(), count_state("running"),
                       count_state("failed"), count_state("queued") + count_state("waiting"), duration_text(elapsed),
                       remaining == 0 ? "0s" : duration_text(eta));
  }

  // Prints a line above the live block (or as a plain log line), and into <sweep>/sweep.log.
  void event(const std::string& text) {
    const std::string line = fmt::format("[{}] {}", clock_time(), text);
    sweep_log_ << line << std::endl;
    clear_live();
    std::cout << line << std::endl;
  }

  void clear_live() {
    if (live_lines_ > 0) std::cout << fmt::format("\x1b[{}F\x1b[J", live_lines_) << std::flush;
    live_lines_ = 0;
  }

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
    std::string block = summary_line() + "\n";
    int lines = 1;
    for (const auto* r : rs) {
      const Job& job = (*jobs_)[r->job];
      const RunState& s = states[job.run_id];
      block +=
          fmt::format("  {:<44.44} {:<8} step {:>7}/{:<7} loss {:>8} {:>10} tok/s\n", job.name, slots_[r->slot].label,
                      s.steps_done, job.total_steps, s.train_loss ? fmt::format("{:.4f}", *s.train_loss) : "-",
                      s.tokens_per_s ? fmt::format("{:.0f}", *s.tokens_per_s) : "-");
      ++lines;
    }
    clear_live();
    std::cout << block << std::flush;
    live_lines_ = lines;
  }

  const SweepPlan* plan_ = nullptr;
  const std::vector<Job>* jobs_ = nullptr;
  const LaunchOptions* options_ = nullptr;
  SweepOutcome outcome_;
  std::vector<Slot> slots_;
  std::unique_ptr<results::Store> store_;
  std::unique_ptr<MpsDaemon> mps_;
  std::ofstream sweep_log_;
  std::string exe_;
  bool live_ = false, stopping_ = false;
  int live_lines_ = 0, skipped_before_ = 0;
  std::deque<Pending> queue_;
  std::map<pid_t, Running> running_;
  std::vector<int> retries_, unasked_resumes_;
  std::vector<std::string> job_state_;
  std::vector<int64_t> initial_steps_;
  Clock::time_point started_;
};

}  // namespace

std::unique_ptr<Backend> make_local_backend() { return std::make_unique<LocalBackend>(); }

}  // namespace gatelab::sweeps
