#include "variants/model/layers.h"

#include <torch/version.h>

#include <algorithm>

#include "harness/util/errors.h"
#ifdef GATELAB_WITH_CUDA
#include "variants/model/cuda/cuda_rope.h"
#include "variants/model/cuda/cuda_swiglu.h"
#endif

namespace gatelab::variants {

RmsNormImpl::RmsNormImpl(int64_t dim, double eps) : eps_(eps) {
  weight_ = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor RmsNormImpl::forward(const torch::Tensor& x) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  // LibTorch's own RMSNorm (fp32 statistics for bf16 inputs, as below), fused on CUDA: the portable form below is
  // ~20 elementwise kernels per norm forward and backward, which the training profile showed as a large share of a
  // step (scripts/profile_kernels.sh, GATELAB_PROFILE_TRAIN).
  if (x.is_cuda()) return at::rms_norm(x, {weight_.size(0)}, weight_, eps_);
#endif
  // Statistics in fp32 even when x is bf16: the mean of squares loses too much in 8 mantissa bits.
  auto x32 = x.to(torch::kFloat32);
  return (x32 * torch::rsqrt(x32.pow(2).mean(-1, /*keepdim=*/true) + eps_)).to(x.scalar_type()) * weight_;
}

std::shared_ptr<torch::nn::Module> make_block_norm(BlockNorm kind, int64_t dim) {
  if (kind == BlockNorm::RmsNorm) return RmsNorm(dim).ptr();
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})).ptr();
}

torch::Tensor apply_block_norm(const std::shared_ptr<torch::nn::Module>& norm, const torch::Tensor& x) {
  if (auto rms = std::dynamic_pointer_cast<RmsNormImpl>(norm)) return rms->forward(x);
  return std::dynamic_pointer_cast<torch::nn::LayerNormImpl>(norm)->forward(x);
}

torch::nn::Linear make_projection(int64_t in, int64_t out, bool bias) {
  torch::nn::Linear linear(torch::nn::LinearOptions(in, out).bias(bias));
  torch::NoGradGuard no_grad;
  linear->weight.normal_(0.0, 0.02);
  if (bias) linear->bias.zero_();
  return linear;
}

namespace {
// Every projection has a bias, or none has: what one matmul over the concatenation can stand for.
bool biases_alike(const std::vector<torch::nn::Linear>& projections) {
  const auto with_bias = std::count_if(projections.begin(), projections.end(),
                                       [](const torch::nn::Linear& p) { return p->bias.defined(); });
  return with_bias == 0 || with_bias == static_cast<int64_t>(projections.size());
}
}  // namespace

std::vector<torch::Tensor> project_together(const torch::Tensor& x, const std::vector<torch::nn::Linear>& projections,
                                            bool fused) {
  if (!fused || projections.size() < 2 || !biases_alike(projections)) {
    std::vector<torch::Tensor> out;
    for (auto p : projections) out.push_back(p->forward(x));  // a copy of the holder: forward is not const
    return out;
  }
  std::vector<int64_t> widths;
  for (const auto& p : projections) widths.push_back(p->weight.size(0));
  return fused_projection(x, projections).split_with_sizes(widths, -1);
}

torch::Tensor fused_projection(const torch::Tensor& x, const std::vector<torch::nn::Linear>& projections) {
  if (!biases_alike(projections)) throw Error("fused_projection: every projection needs a bias, or none may have one");
  std::vector<torch::Tensor> weights, biases;
  for (const auto& p : projections) {
    weights.push_back(p->weight);  // [out_i, in]
    if (p->bias.defined()) biases.push_back(p->bias);
  }
  return torch::linear(x, torch::cat(weights), biases.empty() ? torch::Tensor() : torch::cat(biases));  // [..., sum]
}

namespace {
thread_local int fused_projections_override = -1;  // -1: by device; 0 / 1: FusedProjectionsForTest
}  // namespace

bool projections_fused(const torch::Tensor& x) {
  return fused_projections_override < 0 ? x.is_cuda() : fused_projections_override == 1;
}

FusedProjectionsForTest::FusedProjectionsForTest(bool fused) : previous_(fused_projections_override) {
  fused_projections_override = fused ? 1 : 0;
}

FusedProjectionsForTest::~FusedProjectionsForTest() { fused_projections_override = previous_; }

SwiGluImpl::SwiGluImpl(int64_t d_model, int64_t hidden) {
  gate_ = register_module("gate", make_projection(d_model, hidden));
  up_ = register_module("up", make_projection(d_model, hidden));
  down_ = register_module("down", make_projection(hidden, d_model));
}

torch::Tensor SwiGluImpl::forward(const torch::Tensor& x) {
  if (projections_fused(x)) return down_(swiglu(fused_projection(x, {gate_, up_})));
  return down_(torch::silu(gate_(x)) * up_(x));
}

torch::Tensor reference_swiglu(const torch::Tensor& gate_up) {
  const int64_t h = gate_up.size(-1) / 2;
  return torch::silu(gate_up.narrow(-1, 0, h)) * gate_up.narrow(-1, h, h);
}

torch::Tensor swiglu(const torch::Tensor& gate_up) {
#ifdef GATELAB_WITH_CUDA
  if (gate_up.is_cuda()) return cuda_swiglu(gate_up);
#endif
  return reference_swiglu(gate_up);
}

bool rope_is_fused([[maybe_unused]] const torch::Tensor& x) {
#ifdef GATELAB_WITH_CUDA
  return x.is_cuda();
#else
  return false;
#endif
}

torch::Tensor apply_rope(const torch::Tensor& x, double theta, int64_t offset) {
#ifdef GATELAB_WITH_CUDA
  if (rope_is_fused(x)) return cuda_rope(x, theta, offset);
#endif
  return reference_rope(x, theta, offset);
}

torch::Tensor reference_rope(const torch::Tensor& x, double theta, int64_t offset) {
  const int64_t T = x.size(1), D = x.size(3), half = D / 2;
  auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(x.device());
  auto inv_freq = torch::pow(theta, -torch::arange(0, half, opts) * 2.0 / static_cast<double>(D));  // [D/2]
  // The same fp32 product position * frequency whatever the offset, so a decode step rotates exactly as the full
  // forward does at that position.
  auto angles =
      torch::outer(torch::arange(offset, offset + T, opts), inv_freq).view({1, T, 1, half});  // [1, T, 1, D/2]
  auto cos = angles.cos().to(x.scalar_type()), sin = angles.sin().to(x.scalar_type());
  auto x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
  return torch::cat({x1 * cos - x2 * sin, x1 * sin + x2 * cos}, -1);
}

}  // namespace gatelab::variants
