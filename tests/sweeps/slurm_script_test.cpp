// The Slurm backend's submission, without a cluster: `--dry-run` writes the launch's sbatch script and task map
// and submits nothing (no sbatch needed). The live-cluster behaviour (requeue, shards, cancel) is
// tests/slurm/slurm_suite.py's.
#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using namespace gatelab::test;

namespace {

// Five tiny MQAR runs.
const char* kGrid = R"(name: packed
base:
  model: {d_model: 16, n_heads: 2, n_layers: 1, mlp: none}
  task: {name: mqar, seq_len: 32, mqar: {num_kv: 4, vocab: 64, train_examples: 512, test_examples: 64}}
  train: {steps: 10, batch_size: 8}
grid:
  model.attn.kind: [linear, softmax]
  train.lr: [3.0e-3, 1.0e-3]
include:
  - {model.attn.kind: linear, model.d_model: 24}
)";

std::string dry_run(const TempDir& dir, const std::string& extra) {
  write_file(dir.file("grid.yaml"), kGrid);
  const auto result =
      run_gatelab("sweep run " + dir.file("grid.yaml") + " --backend slurm --dry-run --db " + dir.file("results.db") +
                  " --runs-dir " + dir.file("runs") + " --out " + dir.file("sweep") + " " + extra);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  return result.output;
}

}  // namespace

TEST_CASE("slurm dry run prints the array script with its pass-through options and submits nothing",
          "[sweeps][slurm]") {
  TempDir dir("slurm-dry");
  const std::string out =
      dry_run(dir,
              "--max-concurrent 2 --signal-seconds 300 --partition gpu --account lab --qos high --time 4:00:00 "
              "--cpus-per-task 4 --mem-per-task 16G --sbatch=--constraint=a100");
  for (const char* line :
       {"#SBATCH --array=0-4%2", "#SBATCH --requeue", "#SBATCH --open-mode=append", "#SBATCH --signal=B:USR1@300",
        "#SBATCH --partition=gpu", "#SBATCH --account=lab", "#SBATCH --qos=high", "#SBATCH --time=4:00:00",
        "#SBATCH --cpus-per-task=4", "#SBATCH --mem=16G", "#SBATCH --constraint=a100", "exec ", "'sweep' 'task'"}) {
    INFO(line);
    CHECK(out.find(line) != std::string::npos);
  }
  const std::string script = dir.file("sweep/slurm/launch-1.sbatch");
  REQUIRE(fs::exists(script));
  CHECK(out.find(read_file(script)) != std::string::npos);
  CHECK_FALSE(fs::exists(dir.file("sweep/slurm/launch-1.job")));  // nothing was submitted
}

TEST_CASE("slurm packs runs-per-gpu runs per GPU into each array task", "[sweeps][slurm]") {
  TempDir dir("slurm-pack");
  const std::string out = dry_run(dir, "--gpus-per-task 1 --runs-per-gpu 2");
  CHECK(out.find("#SBATCH --array=0-2\n") != std::string::npos);
  CHECK(out.find("#SBATCH --gpus-per-task=1") != std::string::npos);
  CHECK(out.find("'--runs-per-gpu' '2'") != std::string::npos);
  std::istringstream map(read_file(dir.file("sweep/slurm/launch-1.tasks.tsv")));
  std::vector<std::string> tasks;
  for (std::string line; std::getline(map, line);) {
    const bool header = line.empty() || line[0] == '#' || line.rfind("task\t", 0) == 0;
    if (!header) tasks.push_back(line.substr(0, line.find('\t')));
  }
  CHECK(tasks == std::vector<std::string>{"0", "0", "1", "1", "2"});
}

TEST_CASE("sweep task outside a Slurm array task is refused with exit 2", "[sweeps][slurm]") {
  TempDir dir("slurm-task");
  dry_run(dir, "");
  const auto result = run_gatelab("sweep task " + dir.file("sweep/slurm/launch-1.tasks.tsv") +
                                  " --backend slurm --out " + dir.file("sweep") + " 2>&1 </dev/null");
  CHECK(result.exit_code == 2);
  CHECK(result.output.find("SLURM_ARRAY_TASK_ID") != std::string::npos);
}
