// The local token mixing MQAR needs (docs/RESEARCH.md 3) and the options of Zoology's recipe:
//   - the short and the implicit long convolution equal their plain references (outputs and every gradient), and
//     the short one streams: 0..T equals 0..t then t..T with the carried tail;
//   - every sequence mixer kind (looping over the layer-kind table), with and without short convolutions, is causal,
//     and a linear layer with short convolutions gives the same output and gradients through every kernel;
//   - a whole model with learned positions and dropout is causal, and dropout is a pure function of torch's seed;
//   - the formula fixes: Based's Taylor map, gated RFA's (1 - g) write, fla's gate init, G3/G4 after QK-norm.
#include <catch2/catch.hpp>

#include "harness/config/model_spec.h"
#include "tests/support/layer_specs.h"
#include "tests/support/tensor_checks.h"
#include "variants/catalog.h"
#include "variants/convolution/long_conv.h"
#include "variants/convolution/short_conv.h"
#include "variants/feature_maps/feature_map.h"
#include "variants/gates/gate.h"
#include "variants/linear_attention/linear_attention_layer.h"
#include "variants/softmax_attention/softmax_attention_layer.h"

using namespace gatelab;
using namespace gatelab::variants;
using gatelab::test::all_finite;
using gatelab::test::relative_error;
using gatelab::test::small_layer_spec;

namespace {


// y and the gradients of <y, g> (g fixed random) with respect to every input tensor.
std::vector<torch::Tensor> value_and_grads(const std::function<torch::Tensor()>& f,
                                           const std::vector<torch::Tensor>& inputs) {
  for (auto t : inputs) t.mutable_grad() = torch::Tensor();
  auto y = f();
  torch::manual_seed(99);
  (y * torch::randn(y.sizes())).sum().backward();
  std::vector<torch::Tensor> out{y.detach()};
  for (const auto& t : inputs) out.push_back(t.grad().defined() ? t.grad().clone() : torch::zeros_like(t));
  return out;
}

void check_close(const std::vector<torch::Tensor>& actual, const std::vector<torch::Tensor>& expected, double tol) {
  REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    INFO("tensor " << i << " (0: output, then the gradients)");
    REQUIRE(all_finite(actual[i]));
    CHECK(relative_error(actual[i], expected[i]) < tol);
  }
}

// Max |y(x) - y(x')|[:, :t+1] for a mixer of `kind`, x' differing from x only after t.
double mixer_future_leak(const ModelSpec& spec, AttentionKind kind, int64_t T, int64_t t) {
  torch::manual_seed(11);
  auto mixer = make_sequence_mixer(spec, kind);
  torch::NoGradGuard no_grad;
  auto x = torch::randn({2, T, spec.d_model});
  auto x_changed = x.clone();
  x_changed.narrow(1, t + 1, T - t - 1).copy_(torch::randn({2, T - t - 1, spec.d_model}) * 5.0);
  return (mixer->forward(x, nullptr) - mixer->forward(x_changed, nullptr)).narrow(1, 0, t + 1).abs().max().item<double>();
}

}  // namespace

TEST_CASE("short conv: the conv1d form equals the tap-by-tap reference in outputs and all gradients") {
  for (int64_t K : {1, 2, 3, 4}) {
    DYNAMIC_SECTION("kernel " << K) {
      torch::manual_seed(K);
      ShortConv conv(12, K, /*bias=*/true);
      auto x = torch::randn({2, 37, 12}).requires_grad_();
      std::vector<torch::Tensor> inputs{x, conv->weight(), conv->bias()};
      auto fast = value_and_grads([&] { return conv(x); }, inputs);
      auto reference =
          value_and_grads([&] { return short_conv_reference(x, conv->weight(), conv->bias()); }, inputs);
      check_close(fast, reference, 1e-5);  // fp32, sums of at most 4 products: only rounding differs
    }
  }
}

TEST_CASE("short conv streaming: running 0..T equals running 0..t then t..T with the carried tail") {
  for (int64_t K : {1, 3, 4})
    for (int64_t t : {1, 2, 17}) {
      DYNAMIC_SECTION("kernel " << K << " split at " << t) {
        torch::manual_seed(3);
        ShortConv conv(6, K, /*bias=*/true);
        torch::NoGradGuard no_grad;
        auto x = torch::randn({2, 29, 6});
        auto whole = conv(x);
        ConvState state;
        auto first = conv(x.narrow(1, 0, t), &state);
        auto second = conv(x.narrow(1, t, 29 - t), &state);
        CHECK(relative_error(torch::cat({first, second}, 1), whole) < 1e-6);
        // The carried tail equals the reference's left context too.
        auto tail_reference = short_conv_reference(x.narrow(1, 0, t), conv->weight(), conv->bias());
        CHECK(relative_error(first, tail_reference) < 1e-5);
      }
    }
}

TEST_CASE("implicit long conv: the FFT form equals the Toeplitz reference in outputs and all gradients") {
  for (int64_t T : {1, 16, 37}) {
    DYNAMIC_SECTION("T " << T) {
      torch::manual_seed(5);
      ImplicitLongConv conv(12, 48);
      {
        torch::NoGradGuard no_grad;  // larger filter weights than Zoology's N(0, 0.02), so the test sees the filter
        for (auto& p : conv->parameters()) p.normal_(0.0, 0.5);
      }
      auto u = torch::randn({2, T, 12}).requires_grad_();
      auto params = conv->parameters();
      std::vector<torch::Tensor> inputs{u};
      inputs.insert(inputs.end(), params.begin(), params.end());
      auto fast = value_and_grads([&] { return conv(u); }, inputs);
      auto reference = value_and_grads([&] { return long_conv_reference(u, conv->filter(T)); }, inputs);
      check_close(fast, reference, 1e-4);  // fp32 FFT of length 2T: rounding grows like log T
    }
  }
}

TEST_CASE("every sequence mixer kind is causal with and without short convolutions") {
  for (const auto& kind : attention_kinds())
    for (int64_t short_conv : {0, 4}) {
      DYNAMIC_SECTION(kind.name << " short_conv " << short_conv) {
        auto spec = small_layer_spec();
        spec.attn.short_conv = short_conv;
        spec.attn.short_conv_softmax = true;
        CHECK(mixer_future_leak(spec, kind.value, 40, 17) < 1e-5);
      }
    }
}

TEST_CASE("linear layer with short convolutions: every kernel equals the recurrent reference for every feature map") {
  for (const auto& [map, map_summary] : feature_map_catalog())
    for (const auto& entry : linear_attention_kernels().entries()) {
      if (entry.name == "recurrent" || !entry.make.available(torch::kCPU)) continue;
      DYNAMIC_SECTION(map << " via " << entry.name) {
        auto spec = small_layer_spec();
        spec.attn.short_conv = 4;
        spec.attn.feature_map = map;
        torch::manual_seed(1);
        auto x = torch::randn({2, 37, spec.d_model});
        auto run = [&](const std::string& kernel) {
          spec.attn.kernel = kernel;
          torch::manual_seed(5);
          LinearAttentionLayer layer(spec);
          auto params = layer.parameters();
          return value_and_grads([&] { return layer.forward(x, nullptr); }, params);
        };
        check_close(run(entry.name), run("recurrent"), 5e-4);  // as the layer test without convs
      }
    }
}

TEST_CASE("a model with learned positions and dropout is causal and its dropout is a pure function of the seed") {
  auto spec = small_layer_spec();
  spec.n_layers = 2;
  spec.layer_kinds = {AttentionKind::BaseConv, AttentionKind::Softmax};
  spec.pos_embedding = PosEmbedding::Learned;
  spec.embed_dropout = 0.1;
  spec.attn.dropout = 0.1;
  spec.attn.sdpa = SoftmaxKernel::Manual;
  torch::manual_seed(2);
  LanguageModel model(spec);
  torch::NoGradGuard no_grad;
  auto tokens = torch::randint(0, 64, {2, 40});
  auto changed = tokens.clone();
  changed.narrow(1, 20, 20).random_(0, 64);
  model->eval();
  CHECK((model(tokens) - model(changed)).narrow(1, 0, 20).abs().max().item<double>() < 1e-5);
  // The positions enter the output: zeroing their table changes it.
  auto with_positions = model(tokens);
  auto position_table = model->named_parameters()["positions.weight"];
  auto saved = position_table.clone();
  position_table.zero_();
  CHECK(relative_error(model(tokens), with_positions) > 1e-4);
  position_table.copy_(saved);
  CHECK_THROWS_WITH(model(torch::zeros({1, 49}, torch::kLong)), Catch::Contains("48 positions"));

  model->train();
  torch::manual_seed(7);
  auto a = model(tokens);
  torch::manual_seed(7);
  auto b = model(tokens);
  torch::manual_seed(8);
  auto c = model(tokens);
  CHECK(relative_error(a, b) == 0.0);
  CHECK(relative_error(a, c) > 1e-4);
  model->eval();
  CHECK(relative_error(model(tokens), model(tokens)) == 0.0);  // no dropout at evaluation
}

TEST_CASE("forward_at gives the full forward's logits at the masked positions") {
  auto spec = small_layer_spec();
  torch::manual_seed(12);
  LanguageModel model(spec);
  torch::NoGradGuard no_grad;
  auto tokens = torch::randint(0, 64, {3, 20});
  auto mask = torch::rand({3, 20}) < 0.3;
  CHECK(relative_error(model->forward_at(tokens, mask), model(tokens).index({mask})) < 1e-6);
}

TEST_CASE("Based's Taylor map: phi(q) . phi(k) = 1 + q.k / sqrt(d) + (q.k)^2 / (2d) with 1 + d + d^2 features") {
  for (int64_t d : {4, 8, 16}) {
    DYNAMIC_SECTION("d " << d) {
      auto map = feature_maps().get("taylor").make({d, true});
      CHECK(map->feature_dim() == 1 + d + d * d);
      auto q = torch::randn({2, 5, 3, d}, torch::kFloat64), k = torch::randn({2, 5, 3, d}, torch::kFloat64);
      auto dot = (q * k).sum(-1);
      auto expected = 1 + dot / std::sqrt(static_cast<double>(d)) + dot * dot / (2.0 * d);
      auto phi_q = map->map_queries(q), phi_k = map->map_keys(k).phi_k;
      CHECK(relative_error((phi_q * phi_k).sum(-1), expected) < 1e-12);
    }
  }
}

TEST_CASE("gated RFA writes (1 - g) phi(k)^T v and the scalar decay gate writes phi(k)^T v") {
  GateSpec spec{16, 2, 8, 8, -1, 16.0, GateBiasInit::Uniform, 0.0, GateInit::Torch};
  torch::manual_seed(3);
  auto x = torch::randn({2, 7, 16});
  auto rfa = gates().get("scalar").make(spec)->forward(x, false);
  REQUIRE(rfa.write.defined());
  auto g = rfa.log_k.select(-1, 0).exp().unsqueeze(-1);  // [B, T, H, 1]
  CHECK(relative_error(rfa.write, 1 - g) < 1e-6);
  CHECK_FALSE(gates().get("scalar_decay").make(spec)->forward(x, false).write.defined());

  // Through the layer: S_t = g S + (1 - g) k^T v is the recurrence on keys scaled by (1 - g), which is what every
  // kernel sees; a layer with the scalar gate and one with scalar_decay differ.
  auto spec_model = small_layer_spec();
  spec_model.attn.gate = "scalar";
  torch::manual_seed(4);
  LinearAttentionLayer with_write(spec_model);
  spec_model.attn.gate = "scalar_decay";
  torch::manual_seed(4);
  LinearAttentionLayer without_write(spec_model);
  torch::NoGradGuard no_grad;
  auto h = torch::randn({2, 9, 16});
  CHECK(relative_error(with_write.forward(h, nullptr), without_write.forward(h, nullptr)) > 1e-3);
}

TEST_CASE("gate_init fla: every data-dependent gate starts from normal weights of std 0.02 and a zero bias") {
  for (const auto& [gate, summary] : gate_catalog()) {
    DYNAMIC_SECTION(gate) {
      GateSpec spec{64, 2, 32, 32, 0, 16.0, GateBiasInit::Uniform, 0.0, GateInit::Fla};
      torch::manual_seed(6);
      auto g = gates().get(gate).make(spec);
      for (const auto& item : g->named_parameters()) {
        INFO(item.key());
        const auto& p = item.value();
        const std::string& name = item.key();
        if (name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0)
          CHECK(p.abs().max().item<double>() == 0.0);
        else if (p.numel() >= 2048)  // the sample std of >= 2,048 draws is within 10% of 0.02
          CHECK(p.std().item<double>() == Approx(0.02).epsilon(0.1));
      }
    }
  }
}

TEST_CASE("softmax G3 and G4 gates reach the attention scores under QK-norm also when headwise") {
  for (const std::string position : {"G3", "G4"})
    for (const auto& granularity : gate_granularities()) {
      DYNAMIC_SECTION(position << " " << granularity.name) {
        auto spec = small_layer_spec();
        spec.layer_kinds = {AttentionKind::Softmax};
        spec.attn.qk_norm = true;
        spec.attn.gate_position = position;
        spec.attn.gate_granularity = granularity.value;
        torch::manual_seed(9);
        SoftmaxAttentionLayer layer(spec);
        torch::NoGradGuard no_grad;
        auto x = torch::randn({2, 12, 16});
        auto before = layer.forward(x, nullptr);
        // Moving the gate's pre-activation scales q (or k) per head; a norm after the gate would undo it.
        for (auto& item : layer.named_parameters())
          if (item.key().rfind("gate.", 0) == 0) item.value().add_(torch::randn(item.value().sizes()));
        CHECK(relative_error(layer.forward(x, nullptr), before) > 1e-3);
      }
    }
}

TEST_CASE("the identity MLP adds the normed stream to itself as Zoology's Identity state mixer does") {
  auto spec = small_layer_spec();
  spec.layer_kinds = {AttentionKind::BaseConv};
  spec.block_norm = BlockNorm::LayerNorm;
  auto residual_after_block = [&](Mlp mlp) {
    spec.mlp = mlp;
    torch::manual_seed(5);  // the norms draw nothing: both models get the same mixer weights
    LanguageModel model(spec);
    torch::NoGradGuard no_grad;
    std::vector<LayerProbe> probes;
    model->forward_with_probes(torch::arange(24).view({2, 12}), probes);
    return probes.at(0).residual;  // [B, T, d]
  };
  auto without = residual_after_block(Mlp::None);
  auto with_identity = residual_after_block(Mlp::Identity);
  auto expected = without + torch::layer_norm(without, {spec.d_model});  // a fresh LayerNorm: weight 1, bias 0
  CHECK(relative_error(with_identity, expected) < 1e-6);
}
