// RetNet-like fixed decay: gamma_h = 1 - 2^(-5-h) per head, constant over time and channels.
#include <cmath>

#include "variants/gates/gate.h"

namespace gatelab::variants {

namespace {
class FixedDecayGate : public Gate {
 public:
  explicit FixedDecayGate(const GateSpec& spec) : spec_(spec) {
    auto log_gamma = torch::empty({spec.n_heads});
    for (int64_t h = 0; h < spec.n_heads; ++h) log_gamma[h] = std::log1p(-std::pow(2.0, -5.0 - static_cast<double>(h)));
    log_gamma_ = register_buffer("log_gamma", log_gamma);  // [H]
  }

  Decay forward(const torch::Tensor& x, bool probe) override {
    const int64_t B = x.size(0), T = x.size(1);
    Decay decay;
    decay.log_k =
        log_gamma_.to(x.dtype()).view({1, 1, spec_.n_heads, 1}).expand({B, T, spec_.n_heads, spec_.head_key_dim});
    if (probe) decay.probe["alpha"] = decay.log_k.exp();
    return decay;
  }

 private:
  GateSpec spec_;
  torch::Tensor log_gamma_;
};
}  // namespace

std::shared_ptr<Gate> make_fixed_decay_gate(const GateSpec& spec) { return std::make_shared<FixedDecayGate>(spec); }

}  // namespace gatelab::variants
