// ReGLA's refining gate (the refine gate of Gu et al. 2020 on top of a forget gate):
//   F_t = (1 - r_t) g_t^2 + r_t (1 - (1 - g_t)^2),  g = sigmoid(W_g x + b_g),  r = sigmoid(W_r x + b_r)
// It keeps a gradient where g saturates: dF/dg = 2(1-r)g + 2r(1-g) is non-zero at g = 0 and g = 1.
// Log space, stably: F = g (g + 2 r (1 - g)), so
//   log F = logsigmoid(a) + logaddexp(logsigmoid(a), log 2 + logsigmoid(c) + logsigmoid(-a)).
#include <cmath>

#include "variants/gates/gate.h"

namespace gatelab::variants {

namespace {
class RefiningGate : public Gate {
 public:
  explicit RefiningGate(const GateSpec& spec) : spec_(spec) {
    int64_t rank = gate_rank(spec, 0);  // full rank by default; the paper's text fixes neither
    int64_t out = spec.n_heads * spec.head_key_dim;
    forget_ = register_module("forget", std::make_shared<GateProjection>(spec, out, rank));
    refine_ = register_module("refine", std::make_shared<GateProjection>(spec, out, rank));
    init_gate_bias(forget_->bias(), spec);
    torch::NoGradGuard no_grad;
    refine_->bias().zero_();  // r = 1/2 at init: halfway between g^2 and 1 - (1 - g)^2
  }

  Decay forward(const torch::Tensor& x, bool probe) override {
    const int64_t B = x.size(0), T = x.size(1);
    auto a = forget_->forward(x).view({B, T, spec_.n_heads, spec_.head_key_dim});  // [B, T, H, K]
    auto c = refine_->forward(x).view({B, T, spec_.n_heads, spec_.head_key_dim});  // [B, T, H, K]
    auto log_g = torch::log_sigmoid(a);
    auto log_second = torch::logaddexp(log_g, std::log(2.0) + torch::log_sigmoid(c) + torch::log_sigmoid(-a));
    Decay decay;
    decay.log_k = log_g + log_second;
    if (probe) {
      decay.probe["alpha"] = decay.log_k.exp();  // F
      decay.probe["g"] = log_g.exp();
      decay.probe["r"] = torch::sigmoid(c);
    }
    return decay;
  }

 private:
  GateSpec spec_;
  std::shared_ptr<GateProjection> forget_, refine_;
};
}  // namespace

std::shared_ptr<Gate> make_refining_gate(const GateSpec& spec) { return std::make_shared<RefiningGate>(spec); }

}  // namespace gatelab::variants
