// Main of the GPU-only tests: on a machine without CUDA (or a build without the CUDA kernels) it prints
// "skipped: no CUDA" and returns 77, which ctest reports as Skipped (SKIP_RETURN_CODE), so CPU CI shows the skip.
// Listing the cases (--list-*) needs no GPU: ctest discovers every case on any machine.
#define CATCH_CONFIG_RUNNER
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <iostream>
#include <string>

#include "harness/util/exit_codes.h"
#include "variants/linear_attention/linear_attention_ops.h"

namespace {
bool only_lists(int argc, char* argv[]) {
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]).rfind("--list", 0) == 0) return true;
  return false;
}
}  // namespace

int main(int argc, char* argv[]) {
  if (only_lists(argc, argv)) return Catch::Session().run(argc, argv);
  if (!torch::cuda::is_available()) {
    std::cout << "skipped: no CUDA (torch::cuda::is_available() is false)\n";
    return gatelab::kExitSkipped;
  }
  if (!gatelab::variants::linear_attention_kernels().contains("cuda")) {
    std::cout << "skipped: no CUDA (this build has no CUDA kernels; configure with -DGATELAB_CUDA=ON)\n";
    return gatelab::kExitSkipped;
  }
  return Catch::Session().run(argc, argv);
}
