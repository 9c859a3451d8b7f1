// The training step's optimizer half: AdamW with two parameter groups, gradient clipping and the update, shared by
// `gatelab run` (trainer.cpp) and `gatelab bench` (so the bench times what a run does).
//
// Two implementations of the same arithmetic, one state: the moments and step counts live in torch::optim::AdamW's
// per-parameter state either way, so a checkpoint (checkpoint.h) is the same file whichever one wrote it.
//   plain  LibTorch's AdamW::step and nn::utils::clip_grad_norm_: a handful of kernels per parameter;
//   fused  (CUDA, LibTorch >= 2.1) one multi-tensor AdamW kernel per parameter group (at::_fused_adamw_, what
//          PyTorch's `fused=True` runs) and foreach norms and scaling for the clip, with no host sync.
// The fused form is chosen where it exists; tests/gpu compares the two step by step.
#pragma once

#include <torch/torch.h>

#include <memory>

namespace gatelab::train {

struct AdamWSettings {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, weight_decay = 0.0;
};

enum class OptimizerPath { Plain, Fused };

// Whether the fused path can run on `device` with this LibTorch build.
bool fused_optimizer_available(const torch::Device& device);

class TrainOptimizer {
 public:
  // Matrices decay, vectors (biases, norm weights, gate constants) do not. `path` Fused where unavailable is a
  // logic error (callers ask fused_optimizer_available first).
  TrainOptimizer(const std::vector<torch::Tensor>& parameters, const AdamWSettings& settings, OptimizerPath path);

  void set_lr(double lr);
  void zero_grad() { adamw_->zero_grad(); }
  // Scales the gradients so their global L2 norm is at most max_norm (max_norm <= 0 or infinite: measure only) and
  // returns the norm before scaling, as a 0-dim tensor on the parameters' device (reading it is a host sync).
  torch::Tensor clip_grad_norm(double max_norm);
  void step();

  // p's moments and step count (nullptr before its first step), as torch::optim::AdamW keeps them.
  torch::optim::AdamWParamState* state_of(const torch::Tensor& p);

  OptimizerPath path() const { return path_; }
  torch::optim::AdamW& adamw() { return *adamw_; }  // the state: what checkpoints save and load

 private:
  void fused_step();
  std::unique_ptr<torch::optim::AdamW> adamw_;
  OptimizerPath path_;
};

}  // namespace gatelab::train
