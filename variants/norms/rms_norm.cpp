// Per-head RMSNorm over the value channels, weight [V] shared by heads (fla's choice, fused there with the output
// gate). Written out by hand: LibTorch 1.13 has no nn::RMSNorm.
#include "variants/norms/readout_norm.h"

namespace gatelab::variants {

namespace {
class RmsReadoutNorm : public ReadoutNorm {
 public:
  explicit RmsReadoutNorm(const ReadoutNormSpec& spec) : eps_(spec.eps) {
    weight_ = register_parameter("weight", torch::ones({spec.head_value_dim}));
  }
  torch::Tensor forward(const torch::Tensor& o, const torch::Tensor&) override {  // [B, T, H, V]
    return o * torch::rsqrt(o.pow(2).mean(-1, /*keepdim=*/true) + eps_) * weight_;
  }
  bool scale_invariant() const override { return true; }

 private:
  double eps_;
  torch::Tensor weight_;
};
}  // namespace

std::shared_ptr<ReadoutNorm> make_rms_readout_norm(const ReadoutNormSpec& spec) {
  return std::make_shared<RmsReadoutNorm>(spec);
}

}  // namespace gatelab::variants
