// No readout normalization: o_t = scale * phi(q_t) S_t as is.
#include "variants/norms/readout_norm.h"

namespace gatelab::variants {

namespace {
class NoNorm : public ReadoutNorm {
 public:
  torch::Tensor forward(const torch::Tensor& o, const torch::Tensor&) override { return o; }
  bool scale_invariant() const override { return false; }
};
}  // namespace

std::shared_ptr<ReadoutNorm> make_no_norm(const ReadoutNormSpec&) { return std::make_shared<NoNorm>(); }

}  // namespace gatelab::variants
