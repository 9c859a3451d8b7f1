// Main of the GPU-only tests: on a machine without CUDA (or a build without the CUDA kernels) it prints
// "skipped: no CUDA" and returns 77, which ctest reports as Skipped (SKIP_RETURN_CODE), so CPU CI shows the skip.
#define CATCH_CONFIG_RUNNER
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <iostream>

#include "variants/linear_attention/linear_attention_ops.h"

int main(int argc, char* argv[]) {
  if (!torch::cuda::is_available()) {
    std::cout << "skipped: no CUDA (torch::cuda::is_available() is false)\n";
    return 77;
  }
  if (!gatelab::variants::linear_attention_kernels().contains("cuda")) {
    std::cout << "skipped: no CUDA (this build has no CUDA kernels; configure with -DGATELAB_CUDA=ON)\n";
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
