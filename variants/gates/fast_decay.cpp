// Fast decay (Mao 2022): G_t = sigmoid(W_f x + b_f) ⊗ sigmoid(W_z x + b_z), the outer product of a key-side and a
// value-side gate. The value side is exposed as its own log-decay so kernels apply it on the V axis.
#include "variants/gates/gate.h"

namespace gatelab::variants {

namespace {
class FastDecayGate : public Gate {
 public:
  explicit FastDecayGate(const GateSpec& spec) : spec_(spec) {
    int64_t rank = gate_rank(spec, 0);
    key_ =
        register_module("key", std::make_shared<GateProjection>(spec, spec.n_heads * spec.head_key_dim, rank));
    value_ = register_module("value",
                             std::make_shared<GateProjection>(spec, spec.n_heads * spec.head_value_dim, rank));
    init_gate_bias(key_->bias(), spec);
    init_gate_bias(value_->bias(), spec);
  }

  Decay forward(const torch::Tensor& x, bool probe) override {
    const int64_t B = x.size(0), T = x.size(1);
    Decay decay;
    decay.log_k = torch::log_sigmoid(key_->forward(x)).view({B, T, spec_.n_heads, spec_.head_key_dim});  // [B, T, H, K]
    decay.log_v =
        torch::log_sigmoid(value_->forward(x)).view({B, T, spec_.n_heads, spec_.head_value_dim});  // [B, T, H, V]
    if (probe) {
      decay.probe["alpha"] = decay.log_k.exp();
      decay.probe["alpha_v"] = decay.log_v.exp();
    }
    return decay;
  }

 private:
  GateSpec spec_;
  std::shared_ptr<GateProjection> key_, value_;
};
}  // namespace

std::shared_ptr<Gate> make_fast_decay_gate(const GateSpec& spec) { return std::make_shared<FastDecayGate>(spec); }

}  // namespace gatelab::variants
