// The fused SwiGLU kernels (variants/model/cuda/, what swiglu runs on CUDA) against the plain LibTorch form
// reference_swiglu: outputs and the gradient of gate_up, fp32 / fp16 / bf16, the hidden widths of the reference
// models (1376 at d512, 2048 at d768) and odd ones; and the SwiGLU MLP on CUDA (fused projection + kernel) against
// the same module on the CPU (one matmul per projection + the plain activation), outputs and every gradient, in fp32.
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include "tests/support/tensor_checks.h"
#include "variants/model/layers.h"

using namespace gatelab::variants;
using gatelab::test::dtype_name;
using gatelab::test::relative_error;

TEST_CASE("fused CUDA SwiGLU equals reference_swiglu in output and gradient", "[gpu]") {
  const torch::Device cuda(torch::kCUDA);
  for (const auto dtype : {torch::kFloat32, torch::kFloat16, torch::kBFloat16})
    for (const int64_t h : {1, 37, 1376, 2048}) {
      DYNAMIC_SECTION(dtype_name(dtype) << " h " << h) {
        torch::manual_seed(13);
        auto opts = torch::TensorOptions().device(cuda).dtype(dtype);
        auto gate_up = (torch::randn({3, 41, 2 * h}, opts) * 3).detach();  // gates well into silu's curved range
        auto upstream = torch::randn({3, 41, h}, opts);
        auto ref_in = gate_up.clone().requires_grad_(true), cuda_in = gate_up.clone().requires_grad_(true);
        auto y_ref = reference_swiglu(ref_in);
        auto y_cuda = swiglu(cuda_in);
        (y_ref * upstream).sum().backward();
        (y_cuda * upstream).sum().backward();
        // Half types: the reference rounds silu(g) and each product to the input type, the kernel rounds once.
        const double tolerance = dtype == torch::kFloat32 ? 1e-5 : 2e-2;
        CHECK(y_cuda.scalar_type() == dtype);
        CHECK(y_cuda.sizes() == y_ref.sizes());
        CHECK(relative_error(y_cuda, y_ref) < tolerance);
        CHECK(relative_error(cuda_in.grad(), ref_in.grad()) < tolerance);
      }
    }
}

TEST_CASE("fused CUDA SwiGLU takes a strided input and extreme gates", "[gpu]") {
  const torch::Device cuda(torch::kCUDA);
  torch::manual_seed(3);
  auto wide = torch::randn({5, 3, 2 * 64}, torch::TensorOptions().device(cuda)).transpose(0, 1);  // not contiguous
  CHECK(relative_error(swiglu(wide), reference_swiglu(wide)) < 1e-5);
  auto extreme =
      torch::tensor({-100.f, -20.f, 0.f, 20.f, 100.f, 1.f, 1.f, 1.f, 1.f, 1.f}, torch::TensorOptions().device(cuda));
  auto y = swiglu(extreme.view({1, 10}));
  CHECK(torch::isfinite(y).all().item<bool>());
  CHECK(relative_error(y, reference_swiglu(extreme.view({1, 10}))) < 1e-5);
}

TEST_CASE("SwiGLU MLP on CUDA equals the CPU module in outputs and every gradient", "[gpu]") {
  torch::manual_seed(17);
  SwiGlu cpu(48, 128), gpu(48, 128);  // fp32: the kernel takes fp32 / fp16 / bf16
  {
    torch::NoGradGuard no_grad;
    auto from = cpu->parameters(), to = gpu->parameters();
    for (size_t i = 0; i < from.size(); ++i) to[i].copy_(from[i]);
  }
  gpu->to(torch::kCUDA);
  auto x = torch::randn({2, 9, 48});
  auto x_cpu = x.clone().requires_grad_(true), x_gpu = x.to(torch::kCUDA).requires_grad_(true);
  auto y_cpu = cpu->forward(x_cpu), y_gpu = gpu->forward(x_gpu);
  (y_cpu * y_cpu).sum().backward();
  (y_gpu * y_gpu).sum().backward();
  // fp32 on both (no TF32): one wide matmul against two narrow ones differs by summation order only.
  CHECK(relative_error(y_gpu.cpu(), y_cpu) < 1e-5);
  CHECK(relative_error(x_gpu.grad().cpu(), x_cpu.grad()) < 1e-5);
  auto from = cpu->parameters(), to = gpu->parameters();
  REQUIRE(from.size() == to.size());
  for (size_t i = 0; i < from.size(); ++i) {
    INFO("parameter " << i);
    CHECK(relative_error(to[i].grad().cpu(), from[i].grad()) < 1e-5);
  }
}
