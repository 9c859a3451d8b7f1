// The registered softmax-gate positions and activations: the one place each is named.
#include "variants/catalog.h"
#include "variants/softmax_gates/softmax_gate.h"

namespace gatelab::variants {

namespace {
torch::Tensor sigmoid(const torch::Tensor& x) { return torch::sigmoid(x); }
torch::Tensor silu(const torch::Tensor& x) { return torch::silu(x); }
// NS-sigmoid 0.5 + 0.5 sigmoid: keeps the non-linearity, removes the sparsity (values stay in [0.5, 1]).
torch::Tensor ns_sigmoid(const torch::Tensor& x) { return 0.5 + 0.5 * torch::sigmoid(x); }
}  // namespace

const Registry<SoftmaxGatePosition>& softmax_gate_positions() {
  static const Registry<SoftmaxGatePosition> registry(
      "softmax gate position", {
                                   {"none", "ungated softmax attention (baseline)", {GateSite::None}},
                                   {"G1", "after SDPA, per head, before concat and W_o", {GateSite::AfterAttention}},
                                   {"G2", "after the value projection", {GateSite::AfterValue}},
                                   {"G3", "after the key projection (and its QK-norm)", {GateSite::AfterKey}},
                                   {"G4", "after the query projection (and its QK-norm)", {GateSite::AfterQuery}},
                                   {"G5", "after the output projection", {GateSite::AfterOutput}},
                               });
  return registry;
}

const Registry<SoftmaxGateActivation>& softmax_gate_activations() {
  static const Registry<SoftmaxGateActivation> registry(
      "softmax gate activation", {
                                     {"sigmoid", "sigmoid (sparse, the paper's default)", {sigmoid}},
                                     {"silu", "SiLU", {silu}},
                                     {"ns_sigmoid", "0.5 + 0.5 sigmoid (non-sparse control)", {ns_sigmoid}},
                                 });
  return registry;
}

std::vector<NameAndSummary> softmax_gate_position_catalog() { return softmax_gate_positions().summaries(); }
std::vector<NameAndSummary> softmax_gate_activation_catalog() { return softmax_gate_activations().summaries(); }

}  // namespace gatelab::variants
