// Placement of runs by the local backend: GPUs through CUDA_VISIBLE_DEVICES, packing, and CPU thread budgets.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "harness/util/errors.h"
#include "sweeps/backends/cuda_mps.h"
#include "sweeps/launch.h"
#include "tests/support/test_support.h"

using gatelab::sweeps::LaunchOptions;
using gatelab::sweeps::local_slots;

namespace {

std::vector<std::string> labels(const std::vector<gatelab::sweeps::Slot>& slots) {
  std::vector<std::string> out;
  for (const auto& s : slots)
    out.push_back(s.label + "/" + s.cuda_visible + "/" + s.device + "/" + std::to_string(s.threads));
  return out;
}

}  // namespace

TEST_CASE("local slots: runs-per-gpu packs runs on each listed GPU interleaved across GPUs", "[sweeps][slots]") {
  LaunchOptions o;
  setenv("CUDA_VISIBLE_DEVICES", "0,1", 1);  // a machine with two GPUs
  o.gpus = "0,1";
  o.runs_per_gpu = 2;
  CHECK(labels(local_slots(o, 16)) ==
        std::vector<std::string>{"cuda:0/0/cuda/4", "cuda:1/1/cuda/4", "cuda:0/0/cuda/4", "cuda:1/1/cuda/4"});
  o.max_parallel = 3;
  CHECK(local_slots(o, 16).size() == 3);
  o.gpus = "1";
  o.runs_per_gpu = 4;
  o.max_parallel = 0;
  o.threads_per_run = 2;
  CHECK(labels(local_slots(o, 16)) == std::vector<std::string>(4, "cuda:1/1/cuda/2"));
  o.gpus = "7";  // not on this machine: refused before anything is written
  CHECK_THROWS_WITH(local_slots(o, 16), Catch::Contains("--gpus 7: only 2 GPU(s) are visible"));
  unsetenv("CUDA_VISIBLE_DEVICES");
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

// A stand-in for nvidia-cuda-mps-control on PATH that records how it was called (arguments, stdin, the MPS and
// CUDA_VISIBLE_DEVICES variables it saw) and exits with `exit_code`.
static std::string fake_mps_control(const gatelab::test::TempDir& dir, int exit_code) {
  const std::string bin = dir.file("bin");
  std::filesystem::create_directories(bin);
  gatelab::test::write_file(
      bin + "/nvidia-cuda-mps-control",
      "#!/bin/sh\n"
      "{ echo \"args=$*\"; echo \"pipe=$CUDA_MPS_PIPE_DIRECTORY\"; echo \"log=$CUDA_MPS_LOG_DIRECTORY\";\n"
      "  echo \"visible=${CUDA_VISIBLE_DEVICES-unset}\"; echo \"stdin=$(cat)\"; } >> " +
          dir.file("calls.txt") + "\nexit " + std::to_string(exit_code) + "\n");
  std::filesystem::permissions(bin + "/nvidia-cuda-mps-control", std::filesystem::perms::owner_all);
  return bin;
}

TEST_CASE("CUDA MPS: a private daemon starts for packed GPUs and its children get its pipe and it quits at the end",
          "[sweeps][slots][mps]") {
  using gatelab::sweeps::MpsDaemon;
  gatelab::test::TempDir dir("mps");
  const std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  unsetenv("CUDA_MPS_PIPE_DIRECTORY");
  setenv("PATH", (fake_mps_control(dir, 0) + ":" + old_path).c_str(), 1);
  setenv("CUDA_VISIBLE_DEVICES", "3", 1);
  std::string pipe;
  {
    MpsDaemon mps("auto", /*packed_gpus=*/true, dir.file("mps-log"));
    CHECK_THAT(mps.status(), Catch::StartsWith("MPS: started"));
    REQUIRE(mps.child_environment().size() == 2);
    pipe = mps.child_environment()[0].substr(std::string("CUDA_MPS_PIPE_DIRECTORY=").size());
    CHECK(std::filesystem::is_directory(pipe));
    CHECK(mps.child_environment()[1] == "CUDA_MPS_LOG_DIRECTORY=" + dir.file("mps-log"));
    const std::string calls = gatelab::test::read_file(dir.file("calls.txt"));
    // Started as a daemon that sees every GPU (children pick theirs with CUDA_VISIBLE_DEVICES).
    CHECK(calls == "args=-d\npipe=" + pipe + "\nlog=" + dir.file("mps-log") + "\nvisible=unset\nstdin=\n");
  }
  const std::string calls = gatelab::test::read_file(dir.file("calls.txt"));
  CHECK_THAT(calls,
             Catch::EndsWith("args=\npipe=" + pipe + "\nlog=" + dir.file("mps-log") + "\nvisible=3\nstdin=quit\n"));
  CHECK_FALSE(std::filesystem::exists(pipe));

  // Not packed, or off: nothing is started.
  std::filesystem::remove(dir.file("calls.txt"));
  {
    MpsDaemon unpacked("auto", false, dir.file("mps-log"));
    MpsDaemon off("off", true, dir.file("mps-log"));
    CHECK(unpacked.status().empty());
    CHECK(off.child_environment().empty());
  }
  CHECK_FALSE(std::filesystem::exists(dir.file("calls.txt")));

  // A daemon the user runs is used as it is.
  setenv("CUDA_MPS_PIPE_DIRECTORY", "/run/their-mps", 1);
  {
    MpsDaemon theirs("on", true, dir.file("mps-log"));
    CHECK_THAT(theirs.status(), Catch::Contains("/run/their-mps"));
    CHECK(theirs.child_environment().empty());
  }
  unsetenv("CUDA_MPS_PIPE_DIRECTORY");
  CHECK_FALSE(std::filesystem::exists(dir.file("calls.txt")));

  // A daemon that cannot start: auto goes on without MPS and says why; on is an error.
  fake_mps_control(dir, 1);
  {
    MpsDaemon failed("auto", true, dir.file("mps-log"));
    CHECK_THAT(failed.status(), Catch::Contains("MPS not used") && Catch::Contains("exited with 1"));
    CHECK(failed.child_environment().empty());
  }
  CHECK_THROWS_AS(MpsDaemon("on", true, dir.file("mps-log")), gatelab::UserError);
  // Not installed.
  setenv("PATH", "/nonexistent", 1);
  {
    MpsDaemon missing("auto", true, dir.file("mps-log"));
    CHECK_THAT(missing.status(), Catch::Contains("not on PATH"));
  }
  CHECK_THROWS_WITH(MpsDaemon("on", true, dir.file("mps-log")), Catch::Contains("not on PATH"));
  CHECK_THROWS_WITH(MpsDaemon("maybe", true, dir.file("mps-log")), Catch::Contains("auto") && Catch::Contains("off"));
  setenv("PATH", old_path.c_str(), 1);
  unsetenv("CUDA_VISIBLE_DEVICES");
}
