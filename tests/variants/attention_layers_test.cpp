// Layer-level properties, looping over the registries so every new feature map, norm, gate, softmax-gate position
// or activation is tested for free:
//   - a linear-attention layer gives the same output and parameter gradients through every kernel as through the
//     recurrent reference;
//   - every layer is causal: outputs at t do not change when inputs after t change (docs/RESEARCH.md 1.3 asks this of
//     every feature map x norm, because ReGLA's key max can leak the future);
//   - probes expose what the metrics need, with the shapes and ranges the metric definitions assume.
#include <catch2/catch.hpp>

#include "harness/config/model_spec.h"
#include "tests/support/layer_specs.h"
#include "tests/support/tensor_checks.h"
#include "variants/catalog.h"
#include "variants/feature_maps/feature_map.h"
#include "variants/gates/gate.h"
#include "variants/linear_attention/linear_attention_layer.h"
#include "variants/norms/readout_norm.h"
#include "variants/softmax_attention/softmax_attention_layer.h"

using namespace gatelab;
using namespace gatelab::variants;
using gatelab::test::all_finite;
using gatelab::test::relative_error;
using gatelab::test::small_layer_spec;

namespace {


// Output and every parameter gradient of a freshly built layer (built from `seed`, so two builds are identical).
template <class Layer>
std::vector<torch::Tensor> layer_outputs_and_grads(const ModelSpec& spec, const torch::Tensor& x, uint64_t seed) {
  torch::manual_seed(seed);
  auto layer = std::make_shared<Layer>(spec);
  torch::Tensor y = layer->forward(x, nullptr);
  torch::manual_seed(seed + 1);
  (y * torch::randn(y.sizes())).sum().backward();  // randn_like would copy y's strides
  std::vector<torch::Tensor> result{y.detach()};
  for (const auto& p : layer->parameters()) result.push_back(p.grad().defined() ? p.grad() : torch::zeros_like(p));
  return result;
}

// Max |y(x) - y(x')|[:, :t+1] where x' differs from x only after position t.
template <class Layer>
double future_leak(const ModelSpec& spec, int64_t T, int64_t t) {
  torch::manual_seed(11);
  auto layer = std::make_shared<Layer>(spec);
  torch::NoGradGuard no_grad;
  auto x = torch::randn({2, T, spec.d_model});
  auto x_changed = x.clone();
  // Large changes after t: a future-dependent max (ReGLA's global key max) would move.
  x_changed.narrow(1, t + 1, T - t - 1).copy_(torch::randn({2, T - t - 1, spec.d_model}) * 5.0);
  torch::Tensor y = layer->forward(x, nullptr), y_changed = layer->forward(x_changed, nullptr);
  return (y - y_changed).narrow(1, 0, t + 1).abs().max().item<double>();
}

}  // namespace

TEST_CASE("linear-attention layer: every kernel equals the recurrent reference for every feature map x norm x gate") {
  for (const auto& [map, map_summary] : feature_map_catalog())
    for (const auto& [norm, norm_summary] : readout_norm_catalog())
      for (const auto& [gate, gate_summary] : gate_catalog())
        for (const auto& entry : linear_attention_kernels().entries()) {
          if (entry.name == "recurrent" || !entry.make.available(torch::kCPU)) continue;
          DYNAMIC_SECTION(map << " / " << norm << " / " << gate << " via " << entry.name) {
            auto spec = small_layer_spec();
            spec.attn.feature_map = map;
            spec.attn.norm = norm;
            spec.attn.gate = gate;
            torch::manual_seed(1);
            auto x = torch::randn({2, 37, spec.d_model});
            spec.attn.kernel = "recurrent";
            auto expected = layer_outputs_and_grads<LinearAttentionLayer>(spec, x, 5);
            spec.attn.kernel = entry.name;
            auto actual = layer_outputs_and_grads<LinearAttentionLayer>(spec, x, 5);
            REQUIRE(expected.size() == actual.size());
            for (size_t i = 0; i < expected.size(); ++i) {
              INFO("tensor " << i << " (0: output, then parameter gradients in registration order)");
              REQUIRE(all_finite(actual[i]));
              // fp32; the readout norms divide by per-token statistics, which amplifies the chunked form's
              // reordering error a little beyond the raw kernel's 1e-4.
              CHECK(relative_error(actual[i], expected[i]) < 5e-4);
            }
          }
        }
}

TEST_CASE("linear-attention layer is causal for every feature map x norm x gate") {
  for (const auto& [map, map_summary] : feature_map_catalog())
    for (const auto& [norm, norm_summary] : readout_norm_catalog())
      for (const auto& [gate, gate_summary] : gate_catalog()) {
        DYNAMIC_SECTION(map << " / " << norm << " / " << gate) {
          auto spec = small_layer_spec();
          spec.attn.feature_map = map;
          spec.attn.norm = norm;
          spec.attn.gate = gate;
          CHECK(future_leak<LinearAttentionLayer>(spec, 40, 17) < 1e-5);
        }
      }
}

TEST_CASE("ReGLA's global key max leaks the future without a scale-invariant readout and cancels with one") {
  // The reason running_max exists (docs/RESEARCH.md 1.3): this test would pass vacuously if the global variant were
  // secretly causal, so it checks both sides.
  auto spec = small_layer_spec();
  spec.attn.feature_map = "regla";
  spec.attn.key_max = KeyMax::Global;
  spec.attn.norm = "none";
  CHECK(future_leak<LinearAttentionLayer>(spec, 40, 17) > 1e-4);
  // A scale-invariant readout cancels e^{-M} only up to its eps: with eps 1e-5 the leak measured 1.8e-4, because
  // the tiny ReGLA outputs have a variance near eps. That is why running_max (causal) is the default.
  spec.attn.norm = "layernorm";
  spec.attn.norm_eps = 1e-12;
  CHECK(future_leak<LinearAttentionLayer>(spec, 40, 17) < 1e-5);
}

TEST_CASE("ReGLA feature map: 0 < values <= 1 and the variance-reduction scale of docs/RESEARCH.md 1.3") {
  auto map64 = feature_maps().get("regla").make({64, true});
  CHECK(map64->default_scale() == Approx(0.01819).epsilon(1e-3));
  auto map128 = feature_maps().get("regla").make({128, true});
  CHECK(map128->default_scale() == Approx(0.01286).epsilon(1e-3));
  auto q = torch::randn({2, 9, 3, 64}) * 4;
  auto phi_q = map64->map_queries(q);
  CHECK(phi_q.max().item<double>() <= 1.0);
  CHECK(phi_q.min().item<double>() > 0.0);
  auto keys = map64->map_keys(q);
  CHECK(keys.phi_k.max().item<double>() <= 1.0);
  REQUIRE(keys.log_decay.defined());
  CHECK(keys.log_decay.max().item<double>() <= 0.0);
}

TEST_CASE("every gate's decay lies in 0 < alpha <= 1 and its probe values between 0 and 1") {
  for (const auto& [gate, summary] : gate_catalog()) {
    DYNAMIC_SECTION(gate) {
      GateSpec spec{16, 2, 8, 8, -1, 16.0, GateBiasInit::Uniform, 0.0, GateInit::Torch};
      torch::manual_seed(2);
      auto g = gates().get(gate).make(spec);
      auto x = torch::randn({2, 11, 16}) * 3;
      auto decay = g->forward(x, true);
      if (decay.log_k.defined()) {
        CHECK(decay.log_k.sizes() == torch::IntArrayRef({2, 11, 2, 8}));
        CHECK(decay.log_k.max().item<double>() <= 0.0);
        CHECK(all_finite(decay.log_k));
      }
      if (decay.log_v.defined()) CHECK(decay.log_v.max().item<double>() <= 0.0);
      for (const auto& [quantity, values] : decay.probe) {
        INFO(quantity);
        CHECK(values.min().item<double>() >= 0.0);
        CHECK(values.max().item<double>() <= 1.0);
      }
      if (gate != "none") CHECK(decay.probe.count("alpha") == 1);
    }
  }
}

TEST_CASE("refining gate: the log-space form equals (1-r) g^2 + r (1 - (1-g)^2) also where g saturates") {
  // The closed-form log (gates/refining.cpp) must stay exact and finite at saturated logits, where the refine gate
  // matters: dF/dg = 2(1-r)g + 2r(1-g) is non-zero at g = 0 and g = 1 (docs/RESEARCH.md 1.2).
  for (double bias : {-12.0, 0.0, 12.0}) {
    DYNAMIC_SECTION("forget bias " << bias) {
      GateSpec spec{8, 1, 4, 4, 0, 16.0, GateBiasInit::Fixed, bias, GateInit::Torch};
      torch::manual_seed(4);
      auto gate = gates().get("refining").make(spec);
      auto decay = gate->forward(torch::randn({1, 5, 8}), true);
      auto g = decay.probe.at("g").to(torch::kFloat64), r = decay.probe.at("r").to(torch::kFloat64);
      auto F = (1 - r) * g * g + r * (1 - (1 - g) * (1 - g));
      REQUIRE(all_finite(decay.log_k));
      CHECK(relative_error(decay.log_k.exp(), F) < 1e-5);
      auto slope = 2 * (1 - r) * g + 2 * r * (1 - g);
      CHECK(slope.min().item<double>() > 0.05);  // r stays near 1/2 (zero-init refine bias): slope ~ 1
    }
  }
}

TEST_CASE("softmax attention: every gate position x activation x granularity x combine x input is causal") {
  const auto positions = names_of(softmax_gate_position_catalog());
  const auto activations = names_of(softmax_gate_activation_catalog());
  const auto ungated = small_layer_spec().attn;  // the defaults: the ungated baseline has no gate options
  for (const auto& position : positions)
    for (const auto& activation : activations)
      for (const auto& granularity : gate_granularities())
        for (const auto& combine : gate_combines())
          for (const auto& input : gate_inputs()) {
            if (position == "none" &&
                (activation != ungated.gate_activation || granularity.value != ungated.gate_granularity ||
                 combine.value != ungated.gate_combine || input.value != ungated.gate_input))
              continue;
            DYNAMIC_SECTION(position << " " << activation << " " << granularity.name << " " << combine.name << " "
                                     << input.name) {
              auto spec = small_layer_spec();
              spec.layer_kinds = {AttentionKind::Softmax};
              spec.attn.gate_position = position;
              spec.attn.gate_activation = activation;
              spec.attn.gate_granularity = granularity.value;
              spec.attn.gate_combine = combine.value;
              spec.attn.gate_input = input.value;
              CHECK(future_leak<SoftmaxAttentionLayer>(spec, 24, 9) < 1e-5);
              auto grads = layer_outputs_and_grads<SoftmaxAttentionLayer>(spec, torch::randn({2, 24, 16}), 3);
              for (const auto& t : grads) CHECK(all_finite(t));
            }
          }
}

TEST_CASE(
    "softmax probe: attention rows sum to 1 over the causal past and the sigmoid gate score lies between 0 and 1") {
  auto spec = small_layer_spec();
  spec.layer_kinds = {AttentionKind::Softmax};
  spec.attn.gate_position = "G1";
  torch::manual_seed(8);
  auto layer = std::make_shared<SoftmaxAttentionLayer>(spec);
  torch::NoGradGuard no_grad;
  LayerProbe probe;
  auto x = torch::randn({2, 12, 16});
  auto y_probe = layer->forward(x, &probe);
  auto y_plain = layer->forward(x, nullptr);
  CHECK(relative_error(y_probe, y_plain) < 1e-6);  // probing must not change the computation
  REQUIRE(probe.attention_weights.defined());
  CHECK(probe.attention_weights.sizes() == torch::IntArrayRef({2, 2, 12, 12}));
  CHECK(relative_error(probe.attention_weights.sum(-1), torch::ones({2, 2, 12})) < 1e-5);
  CHECK(probe.attention_weights.triu(1).abs().max().item<double>() == 0.0);
  REQUIRE(probe.gate_values.count("gate") == 1);
  CHECK(probe.gate_values.at("gate").min().item<double>() >= 0.0);
  CHECK(probe.gate_values.at("gate").max().item<double>() <= 1.0);
}
