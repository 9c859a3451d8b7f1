// Decay gate G_t of gated linear attention (docs/RESEARCH.md 1.2). A gate exposes its decay in log space, so the
// recurrent reference, the chunkwise form and the CUDA kernels all take the same input.
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>

#include "harness/util/registry.h"
#include "variants/model/choices.h"

namespace gatelab::variants {

struct GateSpec {
  int64_t d_model;
  int64_t n_heads;
  int64_t head_key_dim;    // K per head (feature dim M of the map)
  int64_t head_value_dim;  // V per head
  int64_t rank;            // -1: the gate's default, 0: full rank, n > 0: low rank n
  double temperature;      // GLA's tau (alpha = sigmoid^(1/tau))
  GateBiasInit bias_init;
  double bias_value;  // for fixed
  GateInit init;      // torch: LibTorch's default weights, bias per bias_init; fla: N(0, 0.02) weights, zero bias
};

struct Decay {
  torch::Tensor log_k;  // [B, T, H, K] log alpha on key rows (<= 0), or undefined: no decay
  torch::Tensor log_v;  // [B, T, H, V] value-side log decay, or undefined
  // [B, T, H, 1] factor on the write term, S_t = G_t S_{t-1} + w_t phi(k_t)^T v_t (gated RFA's 1 - g_t), or
  // undefined: 1. The layer folds it into phi(k_t), so the denominator's z_t gets it too.
  torch::Tensor write;
  // Gate activations for the saturation probe, by quantity name (alpha, alpha_v, g, F), each [B, T, H, *].
  // Filled only when `probe` was asked for: training does not pay for it.
  std::map<std::string, torch::Tensor> probe;
};

class Gate : public torch::nn::Module {
 public:
  virtual Decay forward(const torch::Tensor& x, bool probe) = 0;  // x: [B, T, d_model] (pre-normed block input)
};

using GateFactory = std::shared_ptr<Gate> (*)(const GateSpec&);
const Registry<GateFactory>& gates();

// Bias initialisation shared by all data-dependent gates (docs/RESEARCH.md 1.2): fills `bias` in place (zero under
// gate_init fla).
void init_gate_bias(torch::Tensor bias, const GateSpec& spec);

}  // namespace gatelab::variants

namespace gatelab::variants {

// x -> pre-activation of a data-dependent gate: full rank (Linear d -> out, with bias) or low rank
// (Linear d -> r without bias, then Linear r -> out with bias; GLA's W1 W2 + b).
class GateProjection : public torch::nn::Module {
 public:
  GateProjection(const GateSpec& spec, int64_t out, int64_t rank);  // d_model -> out; rank 0: full
  torch::Tensor forward(const torch::Tensor& x);               // [B, T, d] -> [B, T, out]
  torch::Tensor bias() { return second_ ? second_->bias : first_->bias; }

 private:
  torch::nn::Linear first_{nullptr}, second_{nullptr};
};

// The rank a gate uses: spec.rank unless it is -1, then the gate's own default.
inline int64_t gate_rank(const GateSpec& spec, int64_t default_rank) {
  return spec.rank < 0 ? default_rank : spec.rank;
}

}  // namespace gatelab::variants
