// What every way of running a sweep shares: the sweep's rows in the results DB, the decision of what is left to
// do, the job list, the exact `gatelab run` command line of one run, and the runs a user cancelled. A backend
// (local processes, a Slurm job array) only decides where and when each job's command runs. Torch-free.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/util/registry.h"
#include "results/store.h"
#include "sweeps/grid.h"

namespace gatelab::sweeps {

// What a cluster backend asks its scheduler for, per task (empty / 0: the cluster's default).
struct ClusterOptions {
  std::string partition, account, qos;
  std::string time;  // time limit per task, in the scheduler's format (Slurm: 2:00:00)
  int gpus_per_task = 0, cpus_per_task = 0;
  std::string mem_per_task;        // e.g. 16G
  std::vector<std::string> extra;  // more scheduler directives, each e.g. "--constraint=a100"
  int max_concurrent = 0;          // tasks running at once (0: no cap)
  int signal_seconds = 120;        // the stop warning comes this long before the time limit
};

struct LaunchOptions {
  std::string db_path = "results.db";
  std::string out_dir;            // the sweep's folder: logs/, configs/, plan.tsv (default runs/<sweep name>)
  std::string runs_dir = "runs";  // checkpoints of run <id> live in <runs_dir>/<id>, shared by overlapping sweeps
  std::string data_dir;           // passed to children when set
  std::string gpus = "auto";      // auto (all visible GPUs, or none) | all | none | comma list of indices
  int runs_per_gpu = 1;
  std::string mps = "auto";       // CUDA MPS for packed GPUs: auto | on | off (sweeps/backends/cuda_mps.h)
  int threads_per_run = 0;        // 0: CPU cores / parallel runs on CPU; cores / runs on GPU
  int max_parallel = 0;           // 0: no cap beyond the slots
  int max_retries = 1;            // retries of a run that failed (crash, OOM kill, CUDA fault) in this launch
  std::string on_oom = "split-batch";  // a run out of memory: split-batch (rerun with twice the micro-batches) | fail
  double max_minutes = 0;         // passed to every run as --max-minutes (0: no limit)
  std::string progress = "auto";  // auto (live on a TTY, else log lines) | live | lines
  std::string backend = "local";
  bool dry_run = false;       // print what would run (the local commands, the cluster script); run nothing
  int64_t restart_count = 0;  // passed to every run as --restart-count (a cluster task's restarts)
  ClusterOptions cluster;
};

// A run the backend must execute.
struct Job {
  std::string run_id, name;
  std::string config_path;  // resolved config written as JSON for the child
  std::string run_dir;      // checkpoints (<runs_dir>/<run_id>)
  std::string log_path;     // the child's stdout and stderr (<out_dir>/logs/<name>.log)
  int64_t total_steps = 0;
  int64_t batch_size = 0;   // train.batch_size: the most micro-batches a run out of memory can be split into
  std::optional<results::RunStatus> previous_status;  // status in the DB before this launch (none when new)
};

struct SweepOutcome {
  int finished = 0, diverged = 0, failed = 0, interrupted = 0, skipped = 0, out_of_memory = 0;
  bool stopped = false;    // the user stopped the sweep (Ctrl-C / SIGTERM)
  int submitted = 0;       // runs handed to a cluster scheduler (which runs them later)
  std::string submission;  // what the scheduler calls them ("job array 1234"), for the summary line
};

// A run's row as the scheduler reads it (results::Store::run_progress; status "" when the run has no row).
using RunState = results::RunProgress;

// Writes the sweep, inserts its not-yet-known runs as 'queued' and links every run (with is_baseline).
// Idempotent: re-launching changes nothing but the stored file text.
void register_sweep(results::Store& store, const SweepPlan& plan);

// The current state of runs (missing runs are absent from the map).
std::map<std::string, RunState> read_run_states(results::Store& store, const std::vector<std::string>& run_ids);

// Records a failure the run itself could not record (crash, signal, OOM kill).
void mark_run_failed(results::Store& store, const std::string& run_id, const std::string& reason);

// The run folder of a run and the sweep folder of a plan.
std::string run_dir_of(const LaunchOptions& options, const std::string& run_id);
std::string sweep_dir_of(const LaunchOptions& options, const SweepPlan& plan);

// Pre-flight: every corpus a text run of the plan needs is built in the data dir (--data-dir, or gatelab run's
// default). Throws UserError naming the build command, so a night's text runs do not all fail at start.
void check_corpora(const SweepPlan& plan, const LaunchOptions& options);

// The jobs left to do (done runs are counted as skipped), with configs written under <out>/configs/. A launch
// (not a dry run) clears the sweep's cancelled runs: launching again asks for them.
std::vector<Job> prepare_jobs(results::Store& store, const SweepPlan& plan, const LaunchOptions& options,
                              SweepOutcome& outcome);

// `gatelab run` arguments (after argv[0]) for one job on a device with a thread budget.
std::vector<std::string> child_arguments(const Job& job, const LaunchOptions& options, const std::string& device,
                                         int threads, int micro_batches = 1);

// Runs cancelled by `gatelab sweep cancel` (<sweep folder>/cancelled, one run id a line): no backend starts or
// restarts them; a new `gatelab sweep run` of the sweep clears the list, since launching again asks for them.
std::set<std::string> cancelled_runs(const std::string& sweep_dir);
void add_cancelled_runs(const std::string& sweep_dir, const std::vector<std::string>& run_ids);
void clear_cancelled_runs(const std::string& sweep_dir);

// Writes a file so that readers see the old or the new text, never a torn one.
void write_atomically(const std::string& path, const std::string& text);

// A place the local backend runs one run at a time: a GPU (several slots per GPU when packing) or a CPU share.
struct Slot {
  std::string label;         // "cuda:1" or "cpu"
  std::string cuda_visible;  // CUDA_VISIBLE_DEVICES for the child ("" on CPU: the child sees no GPU)
  std::string device;        // --device for the child
  int threads = 1;           // --threads for the child
  bool busy = false;
};

// The local backend's slots for these options on a machine with `cpu_cores` cores: `runs_per_gpu` per GPU
// (GPUs from --gpus; `all`/`auto` read CUDA_VISIBLE_DEVICES or the driver), else CPU slots with a thread budget.
std::vector<Slot> local_slots(const LaunchOptions& options, int cpu_cores);

// A way of running jobs. Each backend is one file under sweeps/backends/ and one line in backends/builtin.cpp.
class Backend {
 public:
  virtual ~Backend() = default;
  // Checks the options this backend reads (GPUs, slots, cluster options) before anything is written; throws
  // UserError.
  virtual void validate(const LaunchOptions& options) const = 0;
  // Starts the jobs. The local backend runs every job to an end (finished, diverged, failed after retries) or
  // until the user stops the sweep; a cluster backend submits them and returns (outcome.submitted). With
  // options.dry_run it prints what it would run and runs nothing.
  virtual SweepOutcome submit(const SweepPlan& plan, const std::vector<Job>& jobs, const LaunchOptions& options,
                              SweepOutcome so_far) = 0;
  // Where each run of the sweep that this backend launched stands in it, by run id: "running", "pending",
  // "not found" (a cluster no longer knows the task: cancelled or gone) ...; runs it knows nothing of are absent.
  virtual std::map<std::string, std::string> poll(const SweepPlan& plan, const LaunchOptions& options) = 0;
  // Stops the runs `run_ids` (every run of the sweep when empty) where this backend runs or queues them; the
  // runs are already in cancelled_runs(). Returns the run ids it stopped or dequeued.
  virtual std::vector<std::string> cancel(const SweepPlan& plan, const LaunchOptions& options,
                                          const std::vector<std::string>& run_ids) = 0;
  // `gatelab sweep task MAP`: runs this process's share of a submission (a cluster backend's array task) and
  // returns the exit code. A backend that submits no tasks throws UserError.
  virtual int run_task(const std::string& map_path, const LaunchOptions& options);
};
using BackendFactory = std::function<std::unique_ptr<Backend>()>;
const Registry<BackendFactory>& backend_registry();

}  // namespace gatelab::sweeps
