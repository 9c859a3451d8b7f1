// Gated RFA: one data-dependent decay per head, g_t = sigmoid(w . x_t + b), shared by all key channels.
#include "variants/gates/gate.h"

namespace gatelab::variants {

namespace {
class ScalarGate : public Gate {
 public:
  explicit ScalarGate(const GateSpec& spec) : spec_(spec) {
    proj_ = register_module("proj", std::make_shared<GateProjection>(spec.d_model, spec.n_heads, gate_rank(spec, 0)));
    init_gate_bias(proj_->bias(), spec);
  }

  Decay forward(const torch::Tensor& x, bool probe) override {
    auto log_g = torch::log_sigmoid(proj_->forward(x));  // [B, T, H]
    Decay decay;
    decay.log_k = log_g.unsqueeze(-1).expand({x.size(0), x.size(1), spec_.n_heads, spec_.head_key_dim});
    if (probe) decay.probe["alpha"] = log_g.exp().unsqueeze(-1);  // [B, T, H, 1]
    return decay;
  }

 private:
  GateSpec spec_;
  std::shared_ptr<GateProjection> proj_;
};
}  // namespace

std::shared_ptr<Gate> make_scalar_gate(const GateSpec& spec) { return std::make_shared<ScalarGate>(spec); }

}  // namespace gatelab::variants
