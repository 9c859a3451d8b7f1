// Incremental decoding on CUDA (what `gatelab bench --generate` times): a GLA and a softmax model give the full
// forward's logits from a prefill then one token at a time, through the paths the CPU tests cannot reach: the CUDA
// kernel started from a carried state, SDPA for the prefill and the plain form for a decode step over the KV cache.
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include "harness/config/model_spec.h"
#include "tests/support/tensor_checks.h"
#include "variants/model/language_model.h"

using namespace gatelab::variants;
using gatelab::test::relative_error;

TEST_CASE("incremental decoding on CUDA equals the full forward for GLA and softmax in fp32 and bf16", "[gpu]") {
  const torch::Device cuda(torch::kCUDA);
  for (const auto& kind : {AttentionKind::Linear, AttentionKind::Softmax})
    for (const auto dtype : {torch::kFloat32, torch::kBFloat16}) {
      DYNAMIC_SECTION(choice_name(attention_kinds(), kind) << " " << (dtype == torch::kFloat32 ? "fp32" : "bf16")) {
        ModelSpec spec = gatelab::config::default_model_spec(256);
        spec.d_model = 128;
        spec.n_heads = 2;
        spec.n_layers = 2;
        spec.layer_kinds = {kind, kind};
        spec.attn.short_conv = 4;
        spec.attn.short_conv_softmax = true;
        spec.attn.gate_position = kind == AttentionKind::Softmax ? "G1" : "none";
        torch::manual_seed(3);
        LanguageModel model(spec);
        model->to(cuda, dtype);
        model->eval();
        torch::NoGradGuard no_grad;
        const int64_t T = 200;  // a prefill of 3 chunks of the CUDA kernel, then 100 steps
        auto tokens = torch::randint(0, 256, {2, T}, torch::TensorOptions().device(cuda).dtype(torch::kLong));
        auto full = model(tokens);
        ModelCache cache;
        cache.capacity = T;
        std::vector<torch::Tensor> pieces{model->forward_cached(tokens.narrow(1, 0, T / 2), cache)};
        for (int64_t t = T / 2; t < T; ++t) pieces.push_back(model->forward_cached(tokens.narrow(1, t, 1), cache));
        // fp32: the CUDA kernel against the recurrent step, SDPA over other key counts (TF32 off in LibTorch
        // matmuls). bf16: every tensor rounds to 8 bits between ops in both paths, in other orders.
        CHECK(relative_error(torch::cat(pieces, 1), full) < (dtype == torch::kFloat32 ? 1e-4 : 5e-2));
      }
    }
}
