// Small building blocks of the model: RMSNorm (written out: LibTorch 1.13 has none), SwiGLU, RoPE, the block norm.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "variants/model/choices.h"

namespace gatelab::variants {

class RmsNormImpl : public torch::nn::Module {
 public:
  RmsNormImpl(int64_t dim, double eps = 1e-6);
  torch::Tensor forward(const torch::Tensor& x);  // normalizes the last dim

 private:
  double eps_;
  torch::Tensor weight_;
};
TORCH_MODULE(RmsNorm);

// The block's pre-norm (and final norm).
std::shared_ptr<torch::nn::Module> make_block_norm(BlockNorm kind, int64_t dim);
torch::Tensor apply_block_norm(const std::shared_ptr<torch::nn::Module>& norm, const torch::Tensor& x);

// Several projections of one input x [..., in], as [..., out_i] each. With fused = true, one matmul over the
// concatenated weights (and biases, when every projection has one): one GEMM for the forward and one for x's
// gradient, instead of one each per projection plus the adds that sum their gradients of x (the training profile's
// bf16 gradient adds). The outputs are then slices of that matmul's last dim. fused = false (or mixed biases): each
// projection on its own, the reference. The parameters stay separate either way, so checkpoints do not change.
std::vector<torch::Tensor> project_together(const torch::Tensor& x, const std::vector<torch::nn::Linear>& projections,
                                            bool fused);
// The fused form's one matmul: [..., sum of out_i]. Every projection has a bias, or none has (else an Error).
torch::Tensor fused_projection(const torch::Tensor& x, const std::vector<torch::nn::Linear>& projections);
// Whether the layers fuse their projections for x: on CUDA (the training path the fusion is for); on the CPU the
// one-by-one form stays, so the CPU tests run the reference.
bool projections_fused(const torch::Tensor& x);
// For tests: while one lives, projections_fused answers `fused` on this thread whatever the device, so the CPU tests
// can run whole models through both forms and compare them.
class FusedProjectionsForTest {
 public:
  explicit FusedProjectionsForTest(bool fused);
  ~FusedProjectionsForTest();
  FusedProjectionsForTest(const FusedProjectionsForTest&) = delete;
  FusedProjectionsForTest& operator=(const FusedProjectionsForTest&) = delete;

 private:
  int previous_;
};

// SwiGLU's activation on the gate and up projections side by side, gate_up [..., 2h] -> silu(gate) * up [..., h]:
// reference_swiglu in plain LibTorch; swiglu runs the fused CUDA kernel (variants/model/cuda/) on CUDA tensors of a
// CUDA build and the reference elsewhere.
torch::Tensor reference_swiglu(const torch::Tensor& gate_up);
torch::Tensor swiglu(const torch::Tensor& gate_up);

// SwiGLU: down(silu(gate(x)) * up(x)); on CUDA as down(swiglu(fused_projection(x, {gate, up}))).
class SwiGluImpl : public torch::nn::Module {
 public:
  SwiGluImpl(int64_t d_model, int64_t hidden);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Linear gate_{nullptr}, up_{nullptr}, down_{nullptr};
};
TORCH_MODULE(SwiGlu);

// Rotary position embedding on x: [B, T, H, D] (D even), at positions offset..offset+T-1 (offset: the tokens before
// x in its sequence, when decoding incrementally). On CUDA (a CUDA build) the fused kernel of variants/model/cuda/;
// elsewhere reference_rope.
torch::Tensor apply_rope(const torch::Tensor& x, double theta, int64_t offset = 0);
// The plain LibTorch form of the same rotation: every device, the reference the fused kernel is tested against.
torch::Tensor reference_rope(const torch::Tensor& x, double theta, int64_t offset = 0);
// Whether apply_rope takes the fused kernel for x.
bool rope_is_fused(const torch::Tensor& x);

// A linear layer without bias, weight ~ N(0, 0.02) (docs/RESEARCH.md 1.5).
torch::nn::Linear make_projection(int64_t in, int64_t out, bool bias = false);

}  // namespace gatelab::variants
