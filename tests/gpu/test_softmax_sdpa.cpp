// The softmax layer's SDPA path on CUDA computes the same function as the manual path, for every gate position,
// and the explicit attention-weights pass (probes) matches it.
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include "harness/config/model_spec.h"
#include "variants/softmax_attention/softmax_attention_layer.h"

using namespace gatelab::variants;

TEST_CASE("softmax attention: SDPA path equals the manual path on CUDA for every gate position", "[gpu]") {
  if (!sdpa_available()) {
    WARN("this LibTorch has no SDPA; nothing to compare");
    return;
  }
  torch::manual_seed(5);
  const torch::Device cuda(torch::kCUDA);
  for (const auto& position : softmax_gate_positions().names()) {
    INFO("gate position " << position);
    ModelSpec spec = gatelab::config::default_model_spec(256);
    spec.d_model = 64;
    spec.n_heads = 4;
    spec.attn.gate_position = position;
    spec.attn.sdpa = SoftmaxKernel::Sdpa;
    auto fast = std::make_shared<SoftmaxAttentionLayer>(spec);
    spec.attn.sdpa = SoftmaxKernel::Manual;
    auto manual = std::make_shared<SoftmaxAttentionLayer>(spec);
    {
      torch::NoGradGuard no_grad;
      auto src = fast->named_parameters(), dst = manual->named_parameters();
      for (auto& p : src) dst[p.key()].copy_(p.value());
    }
    fast->to(cuda);
    manual->to(cuda);
    auto x = torch::randn({2, 37, 64}, cuda);
    auto x1 = x.clone().requires_grad_(true), x2 = x.clone().requires_grad_(true);
    auto y1 = fast->forward(x1, nullptr), y2 = manual->forward(x2, nullptr);
    // fp32 on both paths; SDPA picks its own (math or memory-efficient) fp32 kernel: agreement to ~1e-5.
    CHECK(((y1 - y2).norm() / y2.norm()).item<double>() < 1e-4);
    y1.pow(2).sum().backward();
    y2.pow(2).sum().backward();
    CHECK(((x1.grad() - x2.grad()).norm() / x2.grad().norm()).item<double>() < 1e-4);
    LayerProbe probe;
    torch::NoGradGuard no_grad;
    fast->forward(x, &probe);
    REQUIRE(probe.attention_weights.defined());
    auto row_sums = probe.attention_weights.sum(-1);  // [B, H, T]: each causal softmax row sums to one
    CHECK(torch::allclose(row_sums, torch::ones_like(row_sums), 1e-4, 1e-4));
  }
}
