// Every registered linear-attention kernel against the recurrent reference (the spec): outputs, final states and
// the gradients of every input, on odd shapes, for each kind of decay (none, key-side, key- and value-side),
// with and without an initial state. A new kernel registered in kernels_builtin.cpp is tested here for free.
#include <catch2/catch.hpp>

#include "tests/support/tensor_checks.h"
#include "variants/linear_attention/linear_attention_ops.h"

using namespace gatelab;
using namespace gatelab::variants;
using gatelab::test::all_finite;
using gatelab::test::relative_error;

namespace {

enum class DecayKind { None, Key, KeyAndValue };

struct Case {
  int64_t B, T, H, K, V;
  DecayKind decay;
  bool initial_state;
  double log_decay_scale;  // log alpha ~ -scale * U(0, 1)
};

struct Leaves {
  torch::Tensor q, k, v, log_k, log_v, s0;
};

Leaves make_leaves(const Case& c, uint64_t seed) {
  torch::manual_seed(seed);
  Leaves x;
  x.q = torch::randn({c.B, c.T, c.H, c.K}) * 0.5;
  x.k = torch::randn({c.B, c.T, c.H, c.K}) * 0.5;
  x.v = torch::randn({c.B, c.T, c.H, c.V});
  if (c.decay != DecayKind::None) x.log_k = -c.log_decay_scale * torch::rand({c.B, c.T, c.H, c.K});
  if (c.decay == DecayKind::KeyAndValue) x.log_v = -c.log_decay_scale * torch::rand({c.B, c.T, c.H, c.V});
  if (c.initial_state) x.s0 = torch::randn({c.B, c.H, c.K, c.V});
  for (auto* t : {&x.q, &x.k, &x.v, &x.log_k, &x.log_v, &x.s0})
    if (t->defined()) t->set_requires_grad(true);
  return x;
}

LinearAttentionInputs inputs_of(const Leaves& x) {
  LinearAttentionInputs in;
  in.q = x.q;
  in.k = x.k;
  in.v = x.v;
  in.log_decay_k = x.log_k;
  in.log_decay_v = x.log_v;
  in.initial_state = x.s0;
  return in;
}

// Runs `kernel` and backpropagates fixed random upstream gradients through o and the final state.
std::vector<torch::Tensor> outputs_and_grads(const LinearAttentionKernel& kernel, const Case& c, uint64_t seed) {
  auto x = make_leaves(c, seed);
  auto out = kernel.run(inputs_of(x));
  torch::manual_seed(seed + 1000);
  // randn(sizes), not randn_like: randn_like keeps the output's strides, and kernels may return differently
  // strided (but equal) tensors, which would give them different upstream gradients.
  auto grad_o = torch::randn(out.o.sizes()), grad_s = torch::randn(out.final_state.sizes());
  ((out.o * grad_o).sum() + (out.final_state * grad_s).sum()).backward();
  std::vector<torch::Tensor> result{out.o.detach(), out.final_state.detach()};
  for (auto* t : {&x.q, &x.k, &x.v, &x.log_k, &x.log_v, &x.s0})
    result.push_back(t->defined() ? t->grad() : torch::Tensor());
  return result;
}

const char* kNames[] = {"o", "final_state", "dq", "dk", "dv", "dlog_decay_k", "dlog_decay_v", "dinitial_state"};

}  // namespace

TEST_CASE("every linear-attention kernel matches the recurrent reference: outputs and final state and all gradients") {
  const auto& reference = linear_attention_kernels().get("recurrent").make;
  const std::vector<Case> cases = {
      {1, 1, 1, 8, 8, DecayKind::None, false, 0.0},          // T = 1
      {2, 63, 2, 8, 12, DecayKind::Key, true, 0.5},          // T < chunk, odd V
      {1, 65, 2, 16, 8, DecayKind::KeyAndValue, true, 0.3},  // T just over one chunk
      {2, 130, 1, 8, 8, DecayKind::Key, false, 3.0},         // strong decay across chunk borders
      {1, 97, 3, 6, 10, DecayKind::KeyAndValue, false, 0.05}, {1, 70, 2, 8, 8, DecayKind::None, true, 0.0},
  };
  for (const auto& entry : linear_attention_kernels().entries()) {
    if (entry.name == "recurrent" || !entry.make.available(torch::kCPU)) continue;
    for (size_t i = 0; i < cases.size(); ++i) {
      const auto& c = cases[i];
      DYNAMIC_SECTION(entry.name << " case " << i << " T=" << c.T) {
        auto expected = outputs_and_grads(reference, c, 17 + i);
        auto actual = outputs_and_grads(entry.make, c, 17 + i);
        for (size_t j = 0; j < expected.size(); ++j) {
          REQUIRE(expected[j].defined() == actual[j].defined());
          if (!expected[j].defined()) continue;
          INFO(kNames[j]);
          REQUIRE(all_finite(actual[j]));
          // fp32 throughout; the chunked form sums in a different order and through exp(b_t - b_s) splits, so a
          // few ulps per term over ~100 terms: 1e-4 relative to the tensor's largest value.
          CHECK(relative_error(actual[j], expected[j]) < 1e-4);
        }
      }
    }
  }
}

TEST_CASE("streaming: running 0..T equals running 0..t then t..T with the carried state") {
  for (const auto& entry : linear_attention_kernels().entries()) {
    if (!entry.make.available(torch::kCPU)) continue;
    DYNAMIC_SECTION(entry.name) {
      torch::NoGradGuard no_grad;
      Case c{2, 90, 2, 8, 8, DecayKind::KeyAndValue, true, 0.4};
      auto x = make_leaves(c, 5);
      auto whole = entry.make.run(inputs_of(x));
      const int64_t t = 37;
      auto first = inputs_of(x), second = inputs_of(x);
      for (auto* in : {&first, &second}) {
        const bool head = in == &first;
        for (auto* tensor : {&in->q, &in->k, &in->v, &in->log_decay_k, &in->log_decay_v})
          *tensor = head ? tensor->narrow(1, 0, t) : tensor->narrow(1, t, c.T - t);
      }
      auto part1 = entry.make.run(first);
      second.initial_state = part1.final_state;
      auto part2 = entry.make.run(second);
      CHECK(relative_error(torch::cat({part1.o, part2.o}, 1), whole.o) < 1e-4);
      CHECK(relative_error(part2.final_state, whole.final_state) < 1e-4);
    }
  }
}

TEST_CASE("strong decay (log alpha = -20) and no decay (log alpha = 0) stay finite over long sequences") {
  for (const auto& entry : linear_attention_kernels().entries()) {
    if (entry.name == "recurrent" || !entry.make.available(torch::kCPU)) continue;
    for (double log_alpha : {-20.0, 0.0}) {
      DYNAMIC_SECTION(entry.name << " log alpha " << log_alpha) {
        torch::manual_seed(3);
        const int64_t T = 2048;
        auto q = torch::randn({1, T, 1, 8}, torch::requires_grad());
        auto k = torch::randn({1, T, 1, 8}, torch::requires_grad());
        auto v = torch::randn({1, T, 1, 8}, torch::requires_grad());
        auto log_k = torch::full({1, T, 1, 8}, log_alpha, torch::requires_grad());
        LinearAttentionInputs in;
        in.q = q;
        in.k = k;
        in.v = v;
        in.log_decay_k = log_k;
        auto out = entry.make.run(in);
        out.o.sum().backward();
        REQUIRE(all_finite(out.o));
        REQUIRE(all_finite(out.final_state));
        for (auto* t : {&q, &k, &v, &log_k}) REQUIRE(all_finite(t->grad()));
        if (log_alpha == -20.0) {
          // e^-20 ~ 2e-9: each output is (almost) only its own token's q.k v.
          auto own = (q * k).sum(-1, true) * v;
          CHECK(relative_error(out.o, own.detach()) < 1e-5);
        }
      }
    }
  }
}

TEST_CASE("an unknown kernel name lists the registered kernels") {
  try {
    resolve_linear_attention_kernel("fused", torch::kCPU);
    FAIL("no error");
  } catch (const UserError& e) {
    std::string message = e.what();
    CHECK(message.find("chunked") != std::string::npos);
    CHECK(message.find("recurrent") != std::string::npos);
  }
}
