// project_together and fused_projection (variants/model/layers.h): the fused form (one matmul over the concatenated
// weights, used on CUDA) equals the projections applied one by one, in outputs and in the gradients of the input and
// of every weight and bias; SwiGLU on the fused gate and up projection equals the plain form; and whole models (softmax
// and linear layers, short convolutions, the SwiGLU MLP) give the same logits and gradients through both forms, run on
// the CPU through FusedProjectionsForTest. tests/gpu/test_swiglu_cuda.cpp covers the fused SwiGLU kernel on CUDA.
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include "harness/config/model_spec.h"
#include "tests/support/layer_specs.h"
#include "variants/model/language_model.h"
#include "variants/model/layers.h"

using namespace gatelab::variants;

namespace {

std::vector<torch::nn::Linear> projections(const std::vector<int64_t>& widths, const std::vector<bool>& biases) {
  std::vector<torch::nn::Linear> out;
  for (size_t i = 0; i < widths.size(); ++i) {
    auto p = make_projection(12, widths[i], biases[i]);
    p->to(torch::kFloat64);
    if (biases[i]) {
      torch::NoGradGuard no_grad;
      p->bias.normal_();  // a zero bias would not show a bias that is dropped
    }
    out.push_back(p);
  }
  return out;
}

// Outputs, then the gradients of x and of every parameter, for a loss that weighs each output differently.
std::vector<torch::Tensor> outputs_and_gradients(const torch::Tensor& x0, const std::vector<torch::nn::Linear>& ps,
                                                 bool fused) {
  auto x = x0.clone().requires_grad_(true);
  for (auto p : ps) p->zero_grad();
  auto ys = project_together(x, ps, fused);
  std::vector<torch::Tensor> result(ys.begin(), ys.end());
  torch::Tensor loss = torch::zeros({}, x.options());
  for (size_t i = 0; i < ys.size(); ++i) loss = loss + (ys[i] * ys[i]).sum() * static_cast<double>(i + 1);
  loss.backward();
  result.push_back(x.grad());
  for (const auto& p : ps)
    for (const auto& param : p->parameters()) result.push_back(param.grad().clone());
  return result;
}

}  // namespace

TEST_CASE("fused projections equal the projections one by one in outputs and all gradients", "[projections]") {
  torch::manual_seed(5);
  auto x = torch::randn({2, 7, 12}, torch::kFloat64);  // [B, T, in]
  for (bool bias : {false, true}) {
    DYNAMIC_SECTION("biases " << bias) {
      auto ps = projections({8, 8, 5}, {bias, bias, bias});
      auto fused = outputs_and_gradients(x, ps, true), plain = outputs_and_gradients(x, ps, false);
      REQUIRE(fused.size() == plain.size());
      REQUIRE(fused.size() == 3 + 1 + (bias ? 6 : 3));
      for (size_t i = 0; i < fused.size(); ++i) {
        INFO("tensor " << i);
        CHECK(fused[i].sizes() == plain[i].sizes());
        CHECK(torch::allclose(fused[i], plain[i], 1e-12, 1e-12));
      }
    }
  }
}

TEST_CASE("fused projections fall back to one by one when only some have a bias", "[projections]") {
  torch::manual_seed(6);
  auto x = torch::randn({3, 12}, torch::kFloat64);
  auto ps = projections({4, 6}, {false, true});
  auto ys = project_together(x, ps, true);
  REQUIRE(ys.size() == 2);
  CHECK(torch::equal(ys[0], ps[0]->forward(x)));
  CHECK(torch::equal(ys[1], ps[1]->forward(x)));
  CHECK_FALSE(projections_fused(x));  // CPU tensors take the plain form in the layers
}

TEST_CASE("fused_projection refuses projections where only some have a bias", "[projections]") {
  auto ps = projections({4, 6}, {true, false});
  CHECK_THROWS_WITH(fused_projection(torch::randn({3, 12}, torch::kFloat64), ps),
                    Catch::Contains("every projection needs a bias, or none"));
}

TEST_CASE("SwiGLU on the fused gate and up projection equals the two projections one by one", "[projections]") {
  // What SwiGluImpl runs on CUDA (one matmul, then the activation on [..., 2h]) against what it runs on the CPU.
  torch::manual_seed(7);
  auto ps = projections({9, 9}, {false, false});
  auto x0 = torch::randn({2, 5, 12}, torch::kFloat64);
  auto run = [&](bool fused) {
    auto x = x0.clone().requires_grad_(true);
    for (auto p : ps) p->zero_grad();
    auto y = fused ? reference_swiglu(fused_projection(x, ps)) : torch::silu(ps[0]->forward(x)) * ps[1]->forward(x);
    (y * y).sum().backward();
    return std::vector<torch::Tensor>{y, x.grad(), ps[0]->weight.grad().clone(), ps[1]->weight.grad().clone()};
  };
  auto fused = run(true), plain = run(false);
  for (size_t i = 0; i < fused.size(); ++i) {
    INFO("tensor " << i);
    CHECK(torch::allclose(fused[i], plain[i], 1e-12, 1e-12));
  }
  CHECK(torch::equal(swiglu(x0.repeat({1, 1, 2})), reference_swiglu(x0.repeat({1, 1, 2}))));  // CPU: the reference
}

namespace {

// Logits and every parameter gradient of a small model built from `spec` (the same weights whatever `fused`).
std::vector<torch::Tensor> model_outputs_and_grads(const ModelSpec& spec, bool fused) {
  const FusedProjectionsForTest form(fused);
  torch::manual_seed(21);
  LanguageModel model(spec);
  torch::manual_seed(22);
  auto tokens = torch::randint(0, spec.vocab_size, {2, 19}, torch::kInt64);
  REQUIRE(projections_fused(tokens) == fused);  // a CPU tensor: only the override makes it fused
  auto logits = model->forward(tokens);
  (logits * torch::randn(logits.sizes())).sum().backward();
  std::vector<torch::Tensor> result{logits.detach()};
  for (const auto& p : model->parameters()) result.push_back(p.grad().defined() ? p.grad() : torch::zeros_like(p));
  return result;
}

}  // namespace

TEST_CASE("a model with fused projections equals the model with projections one by one", "[projections]") {
  // Every layer that fuses (softmax and linear attention: q, k, v; the SwiGLU MLP: gate and up), with the options
  // that act on the fused outputs' slices (short convolutions, QK norm, RoPE, the output gate).
  for (auto kind : {AttentionKind::Softmax, AttentionKind::Linear})
    for (int64_t short_conv : {0, 4}) {
      DYNAMIC_SECTION((kind == AttentionKind::Softmax ? "softmax" : "linear") << " short_conv " << short_conv) {
        ModelSpec spec = gatelab::test::small_layer_spec();
        spec.n_layers = 2;
        spec.layer_kinds = {kind, kind};
        spec.mlp = Mlp::SwiGlu;
        spec.attn.short_conv = short_conv;
        spec.attn.short_conv_softmax = true;
        spec.attn.output_gate = true;
        auto fused = model_outputs_and_grads(spec, true), plain = model_outputs_and_grads(spec, false);
        REQUIRE(fused.size() == plain.size());
        for (size_t i = 0; i < fused.size(); ++i) {
          INFO("tensor " << i << " (0: logits, then the parameters' gradients)");
          CHECK(torch::allclose(fused[i], plain[i], 1e-5, 1e-6));
        }
        CHECK_FALSE(projections_fused(torch::zeros({1})));  // the override ends with its scope
      }
    }
}
