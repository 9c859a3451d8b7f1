// Per-head LayerNorm over the value channels, affine [V] shared by heads (the GLA paper's readout norm; our
// default for ReGLA's "normalization instead of the denominator").
#include "variants/norms/readout_norm.h"

namespace gatelab::variants {

namespace {
class LayerReadoutNorm : public ReadoutNorm {
 public:
  explicit LayerReadoutNorm(const ReadoutNormSpec& spec) : eps_(spec.eps), dim_(spec.head_value_dim) {
    weight_ = register_parameter("weight", torch::ones({dim_}));
    bias_ = register_parameter("bias", torch::zeros({dim_}));
  }
  torch::Tensor forward(const torch::Tensor& o, const torch::Tensor&) override {  // [B, T, H, V]
    return torch::layer_norm(o, {dim_}, weight_, bias_, eps_);
  }
  bool scale_invariant() const override { return true; }

 private:
  double eps_;
  int64_t dim_;
  torch::Tensor weight_, bias_;
};
}  // namespace

std::shared_ptr<ReadoutNorm> make_layer_readout_norm(const ReadoutNormSpec& spec) {
  return std::make_shared<LayerReadoutNorm>(spec);
}

}  // namespace gatelab::variants
