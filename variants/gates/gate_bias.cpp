// Pieces shared by the data-dependent gates: the (low-rank) projection and the bias initialisation.
#include <cmath>

#include "variants/gates/gate.h"

namespace gatelab::variants {

GateProjection::GateProjection(const GateSpec& spec, int64_t out, int64_t rank) {
  const int64_t d = spec.d_model;
  if (rank == 0) {
    first_ = register_module("proj", torch::nn::Linear(torch::nn::LinearOptions(d, out).bias(true)));
  } else {
    first_ = register_module("w1", torch::nn::Linear(torch::nn::LinearOptions(d, rank).bias(false)));
    second_ = register_module("w2", torch::nn::Linear(torch::nn::LinearOptions(rank, out).bias(true)));
  }
  if (spec.init == GateInit::Fla) {
    // fla's and Zoology's init of every nn.Linear: weights N(0, 0.02) (the bias is zeroed by init_gate_bias).
    torch::NoGradGuard no_grad;
    first_->weight.normal_(0.0, 0.02);
    if (second_) second_->weight.normal_(0.0, 0.02);
  }
}

torch::Tensor GateProjection::forward(const torch::Tensor& x) { return second_ ? second_(first_(x)) : first_(x); }

void init_gate_bias(torch::Tensor bias, const GateSpec& spec) {
  torch::NoGradGuard no_grad;
  if (spec.init == GateInit::Fla) {
    bias.zero_();
    return;
  }
  switch (spec.bias_init) {
    case GateBiasInit::Uniform: {
      // UGI (Gu et al. 2020): b = logit(u), u ~ U[1/d, 1 - 1/d] per channel, so decays start spread over time scales.
      const double d = static_cast<double>(bias.numel());
      auto u = torch::rand_like(bias) * (1.0 - 2.0 / d) + 1.0 / d;
      bias.copy_(torch::log(u) - torch::log1p(-u));
      break;
    }
    case GateBiasInit::Zero: bias.zero_(); break;
    case GateBiasInit::Extreme:
      // ReGLA's saturation experiment: "extremely large and small" biases; +-6 (sigmoid 0.0025 / 0.9975) per channel.
      bias.copy_((torch::randint(0, 2, bias.sizes(), bias.options()) * 2 - 1) * 6.0);
      break;
    case GateBiasInit::Fixed: bias.fill_(spec.bias_value); break;
  }
}

}  // namespace gatelab::variants
