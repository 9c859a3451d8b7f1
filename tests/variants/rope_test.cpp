// The plain RoPE (reference_rope, which the fused CUDA kernel is tested against in tests/gpu/test_rope_cuda.cpp) has
// the properties that make it a position embedding: a rotation per channel pair, the identity at position 0, and
// scores that depend on the distance between query and key only.
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include "variants/model/layers.h"

using namespace gatelab::variants;

TEST_CASE("reference RoPE rotates channel pairs and is the identity at position 0 and relative", "[rope]") {
  torch::manual_seed(2);
  const int64_t D = 16, half = D / 2;
  auto q = torch::randn({2, 9, 3, D}, torch::kFloat64), k = torch::randn({2, 9, 3, D}, torch::kFloat64);
  auto rq = reference_rope(q, 10000.0, 0);
  SECTION("norm of every pair kept") {
    auto pair_norm = [&](const torch::Tensor& x) {  // [B, T, H, D/2]
      return x.narrow(-1, 0, half).pow(2) + x.narrow(-1, half, half).pow(2);
    };
    CHECK(torch::allclose(pair_norm(rq), pair_norm(q), 1e-6, 1e-6));  // cos, sin in fp32
  }
  SECTION("position 0 unchanged, later positions changed") {
    CHECK(torch::equal(rq.narrow(1, 0, 1), q.narrow(1, 0, 1)));
    CHECK_FALSE(torch::allclose(rq.narrow(1, 1, 8), q.narrow(1, 1, 8)));
  }
  SECTION("q_t . k_s depends on t - s only") {
    // Shifting both sequences by 100 positions (a decoding offset) keeps every score, up to the fp32 angles.
    auto scores = [&](int64_t offset) {  // [B, H, T, T]
      auto a = reference_rope(q, 10000.0, offset).transpose(1, 2);
      auto b = reference_rope(k, 10000.0, offset).transpose(1, 2);
      return torch::matmul(a, b.transpose(-1, -2));
    };
    CHECK(torch::allclose(scores(0), scores(100), 1e-4, 1e-4));
  }
  SECTION("apply_rope on the CPU is the reference") {
    CHECK_FALSE(rope_is_fused(q));
    CHECK(torch::equal(apply_rope(q, 10000.0, 7), reference_rope(q, 10000.0, 7)));
  }
}
