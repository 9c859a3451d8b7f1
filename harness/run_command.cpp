// `gatelab run`: one training run from a config file and/or key=value overrides.
#include <fmt/format.h>

#include <cmath>
#include <iostream>

#include "harness/config/config.h"
#include "harness/config/config_file.h"
#include "harness/tasks/task.h"
#include "harness/train/trainer.h"
#include "harness/util/cli_options.h"
#include "harness/util/errors.h"
#include "harness/util/exit_codes.h"
#include "harness/util/subcommand.h"
#include "results/store.h"

namespace gatelab::cli {

int run_command(const std::vector<std::string>& args) {
  po::options_description options("gatelab run options");
  std::vector<std::string> overrides;
  options.add_options()("config,c", po::value<std::string>(),
                        "run config file (.yaml or .json); keys as in 'gatelab run --help-config'")(
      "set,s", po::value<std::vector<std::string>>(&overrides)->composing(),
      "override a key: --set model.attn.gate=gla (repeatable)")(
      "db", po::value<std::string>()->default_value("results.db"), "results database")(
      "run-dir", po::value<std::string>(), "folder for checkpoints and the log (default: runs/<name or config hash>)")(
      "name", po::value<std::string>()->default_value(""), "human name of the run (not part of its identity)")(
      "device", po::value<std::string>()->default_value("auto"), "auto | cpu | cuda | cuda:N")(
      "threads", po::value<int>()->default_value(1),
      "CPU threads for torch (0: all cores). Default 1: the thread count changes results in the last digits, so one "
      "thread gives the same numbers on any machine, and it never oversubscribes a shared one")(
      "data-dir", po::value<std::string>(), "corpora folder (default: $GATELAB_DATA, ./data, or <source>/data)")(
      "no-resume", "start over even if the run folder has a checkpoint")(
      "print-config", "print the resolved config as JSON on stdout (its hash on stderr), and exit")(
      "help-config", "print every config key with its default and choices, and exit")(
      "quiet,q", "no per-step lines on stdout (the run log still gets them)")(
      "interrupt-after", po::value<int64_t>()->default_value(-1), "testing: stop with a checkpoint after N steps")(
      "inject-nan-at", po::value<int64_t>()->default_value(-1),
      "fault injection: the loss of step N (counted from 1, as metrics.step) reads as NaN")(
      "max-minutes", po::value<double>()->default_value(0),
      "stop with a checkpoint (status 'stopped', exit 4) once this process has run M minutes (0: no limit)")(
      "micro-batches", po::value<int>()->default_value(1),
      "gradient accumulation: run each step's batch as N equal slices (less memory, same effective batch; not "
      "part of the run's identity). A run out of memory ends 'oom' (exit 5): rerun it with a larger N")(
      "restart-count", po::value<int64_t>()->default_value(0),
      "times a cluster restarted this run's task (recorded on the run; set by `gatelab sweep task`)");
  po::variables_map vm;
  if (!parse_options("run", "gatelab run [--config FILE] [--set key=value]... [options]", args, options, {}, vm))
    return 0;
  if (vm.count("help-config")) {
    std::cout << config::schema_markdown();
    return 0;
  }
  nlohmann::json resolved;
  if (vm.count("config")) {
    resolved = config::resolve_file(vm["config"].as<std::string>(), overrides);  // FILE:LINE:COLUMN per problem
  } else {
    nlohmann::json partial = nlohmann::json::object();
    for (const auto& assignment : overrides) config::apply_override(partial, assignment);
    resolved = config::resolve(partial);
  }
  const std::string hash = config::hash(resolved);
  if (vm.count("print-config")) {  // pure JSON on stdout (pipe it to jq or into a file); the hash on stderr
    std::cout << resolved.dump(2) << "\n";
    std::cerr << "config hash: " << hash << "\n";
    return 0;
  }

  train::RunOptions run;
  run.config = resolved;
  run.name = vm["name"].as<std::string>();
  run.db_path = vm["db"].as<std::string>();
  results::Store::check_writable_path(run.db_path);  // before training: a result must have somewhere to go
  run.run_dir = vm.count("run-dir") ? vm["run-dir"].as<std::string>() : "runs/" + (run.name.empty() ? hash : run.name);
  run.device = vm["device"].as<std::string>();
  run.threads = vm["threads"].as<int>();
  run.data_dir = vm.count("data-dir") ? vm["data-dir"].as<std::string>() : tasks::default_data_dir();
  run.resume = !vm.count("no-resume");
  run.quiet = vm.count("quiet") > 0;
  run.interrupt_after_steps = vm["interrupt-after"].as<int64_t>();
  run.inject_nan_at_step = vm["inject-nan-at"].as<int64_t>();
  run.max_minutes = vm["max-minutes"].as<double>();
  run.micro_batches = vm["micro-batches"].as<int>();
  run.restart_count = vm["restart-count"].as<int64_t>();
  if (run.restart_count < 0) throw UserError("--restart-count must be >= 0");
  if (!std::isfinite(run.max_minutes) || run.max_minutes < 0)
    throw UserError("--max-minutes must be a number of minutes >= 0 (0: no limit)");
  switch (train::train_run(run)) {
    case train::RunOutcome::Finished: return kExitOk;
    case train::RunOutcome::Diverged: return kExitOk;  // a diverged run is a result, not a failure
    case train::RunOutcome::Interrupted: return kExitInterrupted;
    case train::RunOutcome::Stopped: return kExitStopped;
    case train::RunOutcome::OutOfMemory: return kExitOutOfMemory;
  }
  return 1;
}

}  // namespace gatelab::cli
