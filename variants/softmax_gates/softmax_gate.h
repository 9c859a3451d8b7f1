// Sigmoid-gated softmax attention (docs/RESEARCH.md 2): Y' = Y ⊙ act(X W) (or Y + act(X W)) at one of five positions.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "harness/util/registry.h"

namespace gatelab::variants {

// Where in the attention layer the gate acts.
enum class GateSite { None, AfterQuery, AfterKey, AfterValue, AfterAttention, AfterOutput };

struct SoftmaxGatePosition {
  GateSite site;
};
const Registry<SoftmaxGatePosition>& softmax_gate_positions();  // none, G1 .. G5

struct SoftmaxGateActivation {
  torch::Tensor (*apply)(const torch::Tensor&);
};
const Registry<SoftmaxGateActivation>& softmax_gate_activations();  // sigmoid, silu, ns_sigmoid

struct SoftmaxGateSpec {
  int64_t d_model;
  int64_t n_heads;
  int64_t head_dim;        // channels per head of the gated tensor
  bool headwise;           // one gate value per head (else per channel)
  bool head_shared;        // one set of weights for all heads
  bool additive;           // Y + act(XW) instead of Y * act(XW)
  bool input_independent;  // act(w) with a learned zero-init w (the control), no X
  std::string activation;  // registry name
};

// The gate module. The gated tensor is viewed per head: [B, T, H, head_dim] (for G5 the output projection's d
// channels are split into H groups the same way).
class SoftmaxGate : public torch::nn::Module {
 public:
  explicit SoftmaxGate(const SoftmaxGateSpec& spec);
  // x: [B, T, d_model] (the pre-normed layer input); y: [B, T, H, head_dim]. Returns the gated y.
  // When `scores` is non-null, it receives the gate activations [B, T, H, head_dim or 1] (probe only).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& y, torch::Tensor* scores = nullptr);

 private:
  SoftmaxGateSpec spec_;
  torch::nn::Linear proj_{nullptr};  // d_model -> gate channels (dependent gates)
  torch::Tensor constant_;           // [gate channels] (input-independent control)
  const SoftmaxGateActivation* activation_;
};

}  // namespace gatelab::variants
