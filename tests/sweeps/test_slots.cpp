// Placement of runs by the local backend: GPUs through CUDA_VISIBLE_DEVICES, packing, and CPU thread budgets.
#include <catch2/catch.hpp>
#include <cstdlib>

#include "harness/util/errors.h"
#include "sweeps/launch.h"

using gatelab::sweeps::LaunchOptions;
using gatelab::sweeps::local_slots;

namespace {

std::vector<std::string> labels(const std::vector<gatelab::sweeps::Slot>& slots) {
  std::vector<std::string> out;
  for (const auto& s : slots) out.push_back(s.label + "/" + s.cuda_visible + "/" + s.device + "/" + std::to_string(s.threads));
  return out;
}

}  // namespace

TEST_CASE("local slots: runs-per-gpu packs runs on each listed GPU interleaved across GPUs", "[sweeps][slots]") {
  LaunchOptions o;
  o.gpus = "0,1";
  o.runs_per_gpu = 2;
  CHECK(labels(local_slots(o, 16)) == std::vector<std::string>{"cuda:0/0/cuda/4", "cuda:1/1/cuda/4", "cuda:0/0/cuda/4",
                                                                "cuda:1/1/cuda/4"});
  o.max_parallel = 3;
  CHECK(local_slots(o, 16).size() == 3);
  o.gpus = "1";
  o.runs_per_gpu = 4;
  o.max_parallel = 0;
  o.threads_per_run = 2;
  CHECK(labels(local_slots(o, 16)) == std::vector<std::string>(4, "cuda:1/1/cuda/2"));
}

TEST_CASE("local slots: --gpus all reads CUDA_VISIBLE_DEVICES and none gives CPU slots with a thread budget",
          "[sweeps][slots]") {
  LaunchOptions o;
  setenv("CUDA_VISIBLE_DEVICES", "2,3", 1);
  o.gpus = "all";
  CHECK(labels(local_slots(o, 8)) == std::vector<std::string>{"cuda:2/2/cuda/4", "cuda:3/3/cuda/4"});
  o.gpus = "1";  // indices count the visible GPUs
  CHECK(labels(local_slots(o, 8)) == std::vector<std::string>{"cuda:3/3/cuda/8"});
  o.gpus = "2";
  CHECK_THROWS_WITH(local_slots(o, 8), Catch::Contains("only 2 GPU(s) are visible"));
  o.gpus = "all";
  setenv("CUDA_VISIBLE_DEVICES", "", 1);
  CHECK_THROWS_AS(local_slots(o, 8), gatelab::UserError);  // all, but no GPU visible
  o.gpus = "auto";
  CHECK(labels(local_slots(o, 8)) == std::vector<std::string>(8, "cpu//cpu/1"));  // auto falls back to CPU
  unsetenv("CUDA_VISIBLE_DEVICES");
  o.gpus = "none";
  o.threads_per_run = 4;
  CHECK(labels(local_slots(o, 8)) == std::vector<std::string>(2, "cpu//cpu/4"));
  o.threads_per_run = 0;
  o.max_parallel = 2;
  CHECK(labels(local_slots(o, 8)) == std::vector<std::string>(2, "cpu//cpu/4"));
  o.gpus = "0,x";
  CHECK_THROWS_AS(local_slots(o, 8), gatelab::UserError);
}
