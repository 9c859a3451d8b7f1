// One run: build the model from a resolved config, train it on its task, evaluate, probe, checkpoint, and record
// everything in the results DB. A run is a pure function of (resolved config incl. seed, checkpoint): resumed from
// any checkpoint it ends exactly as an uninterrupted run would.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace gatelab::train {

struct RunOptions {
  nlohmann::json config;        // resolved (config::resolve)
  std::string name;             // human name stored with the run
  std::string db_path;          // results DB
  std::string run_dir;          // checkpoint.pt, checkpoint.json and run.log live here
  std::string device = "auto";  // auto | cpu | cuda | cuda:N
  int threads = 0;              // CPU threads for torch (0: all cores)
  std::string data_dir;         // corpora root
  bool resume = true;           // continue from run_dir's checkpoint when there is one
  bool quiet = false;           // no per-step console lines
  // Testing aid: behave as if SIGTERM arrived after this many steps in this process (checkpoint, exit
  // interrupted). -1: off.
  int64_t interrupt_after_steps = -1;
  // Fault injection: the training loss of this step (0-based) reads as NaN, as if the model had diverged. -1: off.
  int64_t inject_nan_at_step = -1;
  // Wall-clock limit of this process's training in minutes (from the end of setup): at the first step end past
  // it the run checkpoints and ends as 'stopped'. 0: none.
  double max_minutes = 0;
  // Gradient accumulation: each step's batch runs as this many equal micro-batches whose gradients add up to the
  // batch's (train.batch_size must divide by it). An execution choice like `threads`, not part of the run's
  // identity: the same model up to float summation order and dropout masks, in less activation memory.
  int micro_batches = 1;
  // How often a cluster restarted the task running this process (Slurm's SLURM_RESTART_COUNT, passed by the
  // sweep's task runner); recorded on the run. 0 off a cluster.
  int64_t restart_count = 0;
};

enum class RunOutcome {
  Finished,     // all steps done (or early-stopped at the target accuracy)
  Diverged,     // loss became NaN/Inf or far worse than guessing: recorded as status 'diverged', not a crash
  Interrupted,  // SIGINT/SIGTERM/SIGUSR1: checkpointed, status 'interrupted', resumable
  Stopped,      // the --max-minutes limit: checkpointed, status 'stopped', resumable
  OutOfMemory,  // an allocation failed: status 'oom' with the message, resumable from the last checkpoint
};

// `gatelab run` exits with harness/util/exit_codes.h's code for each outcome (the scheduler reads them).
RunOutcome train_run(const RunOptions& options);

}  // namespace gatelab::train
