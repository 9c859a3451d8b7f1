// Classic linear attention's normalizer: o_t / (phi(q_t) . z_t + eps), z_t = G_t z_{t-1} + phi(k_t)
// (docs/RESEARCH.md 1.1). The layer computes phi(q_t) . z_t by running the same recurrence on a column of ones appended
// to v, so z decays with the key-side gate exactly as S does (the value-side factor of a fast-decay gate does not apply
// to z).
#include "variants/norms/readout_norm.h"

namespace gatelab::variants {

namespace {
class DenominatorNorm : public ReadoutNorm {
 public:
  explicit DenominatorNorm(const ReadoutNormSpec& spec) : eps_(spec.eps) {}
  torch::Tensor forward(const torch::Tensor& o, const torch::Tensor& denominator) override {
    return o / (denominator.unsqueeze(-1) + eps_);  // [B, T, H, V] / [B, T, H, 1]
  }
  bool needs_denominator() const override { return true; }
  bool scale_invariant() const override { return true; }

 private:
  double eps_;
};
}  // namespace

std::shared_ptr<ReadoutNorm> make_denominator_norm(const ReadoutNormSpec& spec) {
  return std::make_shared<DenominatorNorm>(spec);
}

}  // namespace gatelab::variants
