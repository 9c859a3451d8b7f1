// GLA's data-dependent gate: alpha_t = sigmoid(x_t W1 W2 + b)^(1/tau) per key channel, W1: d x 16, W2: 16 x d_k,
// bias on W2 only; computed in log space as log alpha = logsigmoid(.) / tau.
#include "variants/gates/gate.h"

namespace gatelab::variants {

namespace {
class GlaGate : public Gate {
 public:
  explicit GlaGate(const GateSpec& spec) : spec_(spec) {
    proj_ = register_module(
        "proj", std::make_shared<GateProjection>(spec, spec.n_heads * spec.head_key_dim, gate_rank(spec, 16)));
    init_gate_bias(proj_->bias(), spec);
  }

  Decay forward(const torch::Tensor& x, bool probe) override {
    auto pre = proj_->forward(x).view({x.size(0), x.size(1), spec_.n_heads, spec_.head_key_dim});  // [B, T, H, K]
    Decay decay;
    decay.log_k = torch::log_sigmoid(pre) / spec_.temperature;
    if (probe) decay.probe["alpha"] = decay.log_k.exp();
    return decay;
  }

 private:
  GateSpec spec_;
  std::shared_ptr<GateProjection> proj_;
};
}  // namespace

std::shared_ptr<Gate> make_gla_gate(const GateSpec& spec) { return std::make_shared<GlaGate>(spec); }

}  // namespace gatelab::variants
