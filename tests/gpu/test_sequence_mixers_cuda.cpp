// The Zoology mixers on CUDA compute what they compute on CPU (fp32): a whole model of every sequence mixer kind,
// with short convolutions, learned positions and the Taylor map (whose 1 + d + d^2 features exceed the CUDA
// kernel's key dim, so auto must fall back to the chunked form instead of failing); outputs and every gradient.
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include "harness/config/model_spec.h"
#include "variants/linear_attention/linear_attention_ops.h"
#include "variants/model/language_model.h"

using namespace gatelab::variants;

namespace {
double relative(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a.cpu() - b).norm() / (b.norm() + 1e-12)).item<double>();
}
}  // namespace

TEST_CASE("Zoology mixers: a CUDA model equals the CPU model in outputs and gradients for every mixer kind", "[gpu]") {
  const torch::Device cuda(torch::kCUDA);
  for (const auto& kind : attention_kinds())
    for (const std::string map : {"identity", "taylor"}) {
      DYNAMIC_SECTION(kind.name << " " << map) {
        ModelSpec spec = gatelab::config::default_model_spec(128);
        spec.d_model = 64;
        spec.n_heads = 2;
        spec.n_layers = 2;
        spec.max_positions = 96;
        spec.layer_kinds = {AttentionKind::BaseConv, kind.value};
        spec.pos_embedding = PosEmbedding::Learned;
        spec.attn.short_conv = 4;
        spec.attn.short_conv_softmax = true;
        spec.attn.feature_map = map;
        spec.attn.feature_dim = map == "taylor" ? 16 : 0;  // 1 + 16 + 256 = 273 features > the CUDA kernel's 128
        spec.attn.norm = map == "taylor" ? "denominator" : "layernorm";
        torch::manual_seed(3);
        LanguageModel cpu_model(spec);
        LanguageModel cuda_model(spec);
        {
          torch::NoGradGuard no_grad;
          auto src = cpu_model->named_parameters(), dst = cuda_model->named_parameters();
          for (auto& p : src) dst[p.key()].copy_(p.value());
        }
        cuda_model->to(cuda);
        auto tokens = torch::randint(0, 128, {2, 96});
        auto y_cpu = cpu_model(tokens), y_cuda = cuda_model(tokens.to(cuda));
        // fp32 both; the CUDA kernel and cuDNN's conv reorder sums (TF32 off by default in LibTorch matmuls).
        CHECK(relative(y_cuda, y_cpu) < 1e-4);
        y_cpu.pow(2).mean().backward();
        y_cuda.pow(2).mean().backward();
        auto cpu_params = cpu_model->named_parameters(), cuda_params = cuda_model->named_parameters();
        for (auto& p : cpu_params) {
          INFO(p.key());
          CHECK(relative(cuda_params[p.key()].grad(), p.value().grad()) < 1e-3);
        }
      }
    }
  CHECK(resolve_linear_attention_kernel("auto", torch::kCUDA, 273).run ==
        linear_attention_kernels().get("chunked").make.run);
}
