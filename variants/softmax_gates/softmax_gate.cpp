#include "variants/softmax_gates/softmax_gate.h"

#include "variants/model/layers.h"

namespace gatelab::variants {

SoftmaxGate::SoftmaxGate(const SoftmaxGateSpec& spec) : spec_(spec) {
  activation_ = &softmax_gate_activations().get(spec.activation).make;
  // Gate channels: per head (headwise) or per channel; head-shared weights produce one head's worth and broadcast.
  const int64_t per_head = spec.headwise ? 1 : spec.head_dim;
  const int64_t channels = spec.head_shared ? per_head : spec.n_heads * per_head;
  if (spec.input_independent) {
    constant_ = register_parameter("constant", torch::zeros({channels}));  // zero init: act(0) at the start
  } else {
    proj_ = register_module("proj", make_projection(spec.d_model, channels));  // no bias (paper's default)
  }
}

torch::Tensor SoftmaxGate::forward(const torch::Tensor& x, const torch::Tensor& y, torch::Tensor* scores) {
  const int64_t B = y.size(0), T = y.size(1);
  const int64_t per_head = spec_.headwise ? 1 : spec_.head_dim;
  const int64_t heads = spec_.head_shared ? 1 : spec_.n_heads;
  torch::Tensor pre =
      spec_.input_independent ? constant_.view({1, 1, heads, per_head}) : proj_(x).view({B, T, heads, per_head});
  auto gate = activation_->apply(pre).to(y.scalar_type());  // broadcasts over heads (shared) and channels (headwise)
  if (scores) *scores = gate.expand({B, T, heads, per_head});
  return spec_.additive ? y + gate : y * gate;
}

}  // namespace gatelab::variants
