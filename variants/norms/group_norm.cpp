// GroupNorm with one group per head: each head normalized over its V channels, affine per channel (H x V, not
// shared by heads — the one difference from the per-head LayerNorm).
#include "variants/norms/readout_norm.h"

namespace gatelab::variants {

namespace {
class GroupReadoutNorm : public ReadoutNorm {
 public:
  explicit GroupReadoutNorm(const ReadoutNormSpec& spec) : eps_(spec.eps), dim_(spec.head_value_dim) {
    weight_ = register_parameter("weight", torch::ones({spec.n_heads, dim_}));
    bias_ = register_parameter("bias", torch::zeros({spec.n_heads, dim_}));
  }
  torch::Tensor forward(const torch::Tensor& o, const torch::Tensor&) override {  // [B, T, H, V]
    return torch::layer_norm(o, {dim_}, {}, {}, eps_) * weight_ + bias_;
  }
  bool scale_invariant() const override { return true; }

 private:
  double eps_;
  int64_t dim_;
  torch::Tensor weight_, bias_;
};
}  // namespace

std::shared_ptr<ReadoutNorm> make_group_readout_norm(const ReadoutNormSpec& spec) {
  return std::make_shared<GroupReadoutNorm>(spec);
}

}  // namespace gatelab::variants
