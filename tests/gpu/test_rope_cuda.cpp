// The fused RoPE kernel (variants/model/cuda/, what apply_rope runs on CUDA) against the plain LibTorch form
// reference_rope: outputs and the gradient of x, fp32 / fp16 / bf16, the head dims of the reference models (64, 128,
// 192), and offsets of a decoding cache up to 64K positions.
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "tests/support/tensor_checks.h"
#include "variants/model/layers.h"

using namespace gatelab::variants;
using gatelab::test::dtype_name;
using gatelab::test::relative_error;

TEST_CASE("fused CUDA RoPE equals reference_rope in output and gradient", "[gpu]") {
  const torch::Device cuda(torch::kCUDA);
  for (const auto dtype : {torch::kFloat32, torch::kFloat16, torch::kBFloat16})
    for (const int64_t D : {64, 128, 192})
      for (const int64_t offset : {0, 4093, 65000}) {
        DYNAMIC_SECTION(dtype_name(dtype) << " D " << D << " offset " << offset) {
          torch::manual_seed(11);
          auto opts = torch::TensorOptions().device(cuda).dtype(dtype);
          auto x = torch::randn({2, 37, 3, D}, opts);
          auto upstream = torch::randn({2, 37, 3, D}, opts);
          auto x_ref = x.detach().clone().requires_grad_(true), x_cuda = x.detach().clone().requires_grad_(true);
          auto y_ref = reference_rope(x_ref, 10000.0, offset);
          REQUIRE(rope_is_fused(x_cuda));
          auto y_cuda = apply_rope(x_cuda, 10000.0, offset);
          (y_ref * upstream).sum().backward();
          (y_cuda * upstream).sum().backward();
          // Both form the angles in fp32, the kernel with CUDA's powf / sincosf, the reference with torch's: a 1-ulp
          // difference in a frequency moves the angle at position p by ~p * 2^-23 rad (measured on the H200: 1.3e-4
          // at p ~ 4,100, D 192). Half types: the reference also rounds cos / sin and every product to the input
          // type, the kernel rounds once.
          const double angle_error = static_cast<double>(offset + x.size(1)) * std::ldexp(1.0, -21);
          const double tolerance = (dtype == torch::kFloat32 ? 1e-5 : 2e-2) + angle_error;
          CHECK(y_cuda.scalar_type() == dtype);
          CHECK(relative_error(y_cuda, y_ref) < tolerance);
          CHECK(relative_error(x_cuda.grad(), x_ref.grad()) < tolerance);
        }
      }
}

TEST_CASE("fused CUDA RoPE takes non-contiguous input and rotates a decode step as the full sequence", "[gpu]") {
  const torch::Device cuda(torch::kCUDA);
  torch::manual_seed(5);
  auto x = torch::randn({2, 3, 50, 64}, torch::TensorOptions().device(cuda)).transpose(1, 2);  // [B, T, H, D] strided
  auto full = apply_rope(x, 500000.0, 0);
  CHECK(relative_error(full, reference_rope(x, 500000.0, 0)) < 1e-5);
  // One token at position 42 equals row 42 of the full rotation: the same fp32 angle whatever the offset.
  auto step = apply_rope(x.narrow(1, 42, 1), 500000.0, 42);
  CHECK(torch::equal(step, full.narrow(1, 42, 1)));
}
