// Gated RFA (Peng et al. 2021; ReGLA eqs. 6-7, docs/RESEARCH.md 1.2): one data-dependent gate per head,
// g_t = sigmoid(w . x_t + b), that both decays the state and scales the write:
//   S_t = g_t S_{t-1} + (1 - g_t) phi(k_t)^T v_t
// (scalar_decay is the same gate without the (1 - g_t) on the write, RetNet-style).
#include "variants/gates/gate.h"

namespace gatelab::variants {

namespace {
class ScalarGate : public Gate {
 public:
  ScalarGate(const GateSpec& spec, bool scale_write) : spec_(spec), scale_write_(scale_write) {
    proj_ = register_module("proj", std::make_shared<GateProjection>(spec, spec.n_heads, gate_rank(spec, 0)));
    init_gate_bias(proj_->bias(), spec);
  }

  Decay forward(const torch::Tensor& x, bool probe) override {
    auto pre = proj_->forward(x);       // [B, T, H]
    auto log_g = torch::log_sigmoid(pre);
    Decay decay;
    decay.log_k = log_g.unsqueeze(-1).expand({x.size(0), x.size(1), spec_.n_heads, spec_.head_key_dim});
    if (scale_write_) decay.write = torch::sigmoid(-pre).unsqueeze(-1);  // 1 - g_t  [B, T, H, 1]
    if (probe) decay.probe["alpha"] = log_g.exp().unsqueeze(-1);      // [B, T, H, 1]
    return decay;
  }

 private:
  GateSpec spec_;
  bool scale_write_;
  std::shared_ptr<GateProjection> proj_;
};
}  // namespace

std::shared_ptr<Gate> make_scalar_gate(const GateSpec& spec) { return std::make_shared<ScalarGate>(spec, true); }

std::shared_ptr<Gate> make_scalar_decay_gate(const GateSpec& spec) {
  return std::make_shared<ScalarGate>(spec, false);
}

}  // namespace gatelab::variants
