#include "variants/softmax_attention/softmax_attention_layer.h"

#include <algorithm>
#include <cmath>

#include "harness/util/errors.h"

namespace gatelab::variants {

bool sdpa_available() {
#if TORCH_VERSION_MAJOR >= 2
  return true;
#else
  return false;
#endif
}

SoftmaxAttentionLayer::SoftmaxAttentionLayer(const ModelSpec& spec) : n_heads_(spec.n_heads), attn_(spec.attn) {
  const int64_t d = spec.d_model;
  head_dim_ = d / n_heads_;
  q_proj_ = register_module("q_proj", make_projection(d, d));
  k_proj_ = register_module("k_proj", make_projection(d, d));
  v_proj_ = register_module("v_proj", make_projection(d, d));
  o_proj_ = register_module("o_proj", make_projection(d, d));
  if (attn_.qk_norm) {
    q_norm_ = register_module("q_norm", RmsNorm(head_dim_));
    k_norm_ = register_module("k_norm", RmsNorm(head_dim_));
  }
  if (attn_.short_conv > 0 && attn_.short_conv_softmax) {
    q_conv_ = register_module("q_conv", ShortConv(d, attn_.short_conv, /*bias=*/false));
    k_conv_ = register_module("k_conv", ShortConv(d, attn_.short_conv, /*bias=*/false));
    v_conv_ = register_module("v_conv", ShortConv(d, attn_.short_conv, /*bias=*/false));
  }
  site_ = softmax_gate_positions().get(attn_.gate_position).make.site;
  if (site_ != GateSite::None) {
    SoftmaxGateSpec gate_spec{d,
                              n_heads_,
                              head_dim_,
                              attn_.gate_granularity == GateGranularity::Headwise,
                              attn_.gate_sharing == GateSharing::HeadShared,
                              attn_.gate_combine == GateCombine::Additive,
                              attn_.gate_input == GateInput::Independent,
                              attn_.gate_activation};
    gate_ = register_module("gate", std::make_shared<SoftmaxGate>(gate_spec));
  }
  if (attn_.sdpa == SoftmaxKernel::Sdpa && !sdpa_available())
    throw UserError("model.attn.sdpa = sdpa needs LibTorch >= 2.0 (this build has " TORCH_VERSION
                    "); use auto or manual");
  use_sdpa_ = sdpa_available() && attn_.sdpa != SoftmaxKernel::Manual;
}

torch::Tensor SoftmaxAttentionLayer::attention_weights(const torch::Tensor& q, const torch::Tensor& k, int64_t offset) {
  const int64_t T = q.size(1), L = k.size(1);
  auto scores = torch::matmul(q.transpose(1, 2), k.transpose(1, 2).transpose(-1, -2)) /
                std::sqrt(static_cast<double>(q.size(3)));                              // [B, H, T, L]
  auto future = torch::ones({T, L}, q.options().dtype(torch::kBool)).triu(1 + offset);  // key s > offset + t
  return torch::softmax(scores.masked_fill(future, -INFINITY).to(torch::kFloat32), -1).to(q.scalar_type());
}

torch::Tensor SoftmaxAttentionLayer::attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
#if TORCH_VERSION_MAJOR >= 2
  if (use_sdpa_) {
    const double dropout = is_training() ? attn_.dropout : 0.0;
    auto y = at::scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), {}, dropout,
                                              /*is_causal=*/true);  // [B, H, T, D]
    return y.transpose(1, 2);
  }
#endif
  auto weights = attention_weights(q, k);  // [B, H, T, T]
  if (attn_.dropout > 0) weights = torch::dropout(weights, attn_.dropout, is_training());
  return torch::matmul(weights, v.transpose(1, 2)).transpose(1, 2);  // [B, T, H, D]
}

torch::Tensor SoftmaxAttentionLayer::attend_past(const torch::Tensor& q, const LayerCache& cache, int64_t offset) {
  auto keys = cache.keys.narrow(2, 0, cache.length), values = cache.values.narrow(2, 0, cache.length);  // [B, H, L, D]
  // The plain form for a decode step too (its mask, shifted by the offset, masks nothing), not SDPA: with SDPA over
  // this strided view of the cache a decode step of the d768 model took 55 ms whatever the context (H200, PyTorch
  // 2.11, `gatelab bench --generate`, stop 25); the plain form takes 4.4-10 ms (2K-64K, stop 26). SDPA itself on
  // contiguous tensors of the same shapes takes 0.06-0.65 ms (scripts/probe_sdpa_decode.py), so the strided cache is
  // the likely cause; not isolated further.
  auto weights = attention_weights(q, keys.transpose(1, 2), offset);  // [B, H, T, L]
  return torch::matmul(weights, values).transpose(1, 2);              // [B, T, H, D]
}

torch::Tensor SoftmaxAttentionLayer::gate_at(GateSite site, const torch::Tensor& x, torch::Tensor y, GateTrace* trace) {
  if (site_ != site) return y;
  y = gate_->forward(x, y, trace ? &trace->scores : nullptr);
  if (trace) trace->gated = y;
  return y;
}

SoftmaxAttentionLayer::Projected SoftmaxAttentionLayer::project(const torch::Tensor& x, LayerCache* cache,
                                                                GateTrace* trace) {
  const int64_t B = x.size(0), T = x.size(1), H = n_heads_, D = head_dim_;
  auto qkv = project_together(x, {q_proj_, k_proj_, v_proj_}, projections_fused(x));  // 3 x [B, T, H * D]
  auto mix = [&](const torch::Tensor& y, ShortConv& conv, ConvState* state) {         // [B, T, H, D]
    return (conv ? torch::silu(conv(y, state)) : y).view({B, T, H, D});
  };
  auto q = mix(qkv[0], q_conv_, cache ? &cache->q_conv : nullptr);
  auto k = mix(qkv[1], k_conv_, cache ? &cache->k_conv : nullptr);
  if (attn_.qk_norm) {
    q = q_norm_(q);
    k = k_norm_(k);
  }
  q = gate_at(GateSite::AfterQuery, x, q, trace);  // after the norm: the gate must reach the scores
  k = gate_at(GateSite::AfterKey, x, k, trace);
  auto v = gate_at(GateSite::AfterValue, x, mix(qkv[2], v_conv_, cache ? &cache->v_conv : nullptr), trace);
  if (attn_.rope) {
    const int64_t offset = cache ? cache->length : 0;  // the keys already cached precede these positions
    q = apply_rope(q, attn_.rope_theta, offset);
    k = apply_rope(k, attn_.rope_theta, offset);
  }
  return {q, k, v};
}

torch::Tensor SoftmaxAttentionLayer::output(const torch::Tensor& x, const torch::Tensor& y, GateTrace* trace) {
  const int64_t B = x.size(0), T = x.size(1), H = n_heads_, D = head_dim_;
  auto gated = gate_at(GateSite::AfterAttention, x, y, trace);  // [B, T, H, D]
  auto out = o_proj_(gated.reshape({B, T, H * D}));
  return gate_at(GateSite::AfterOutput, x, out.view({B, T, H, D}), trace).view({B, T, H * D});
}

torch::Tensor SoftmaxAttentionLayer::forward(const torch::Tensor& x, LayerProbe* probe) {
  GateTrace trace;
  GateTrace* traced = probe ? &trace : nullptr;
  auto p = project(x, nullptr, traced);
  auto out = output(x, attend(p.q, p.k, p.v), traced);
  if (probe) {
    probe->attn_kind = "softmax";
    // The explicit pass: training never materializes [B, H, T, T].
    probe->attention_weights = attention_weights(p.q, p.k).detach();
    if (gate_) {
      probe->gate_values["gate"] = trace.scores.detach();
      probe->gated_output = trace.gated.detach();
    }
  }
  return out;
}

namespace {
// Writes k, v [B, T, H, D] at positions length.. of the cache, allocating it for cache.capacity positions first and
// doubling it when full.
void append_keys_values(LayerCache& cache, const torch::Tensor& k, const torch::Tensor& v) {
  const int64_t T = k.size(1), needed = cache.length + T;
  if (!cache.keys.defined() || needed > cache.keys.size(2)) {
    const int64_t capacity =
        std::max({needed, cache.capacity, cache.keys.defined() ? 2 * cache.keys.size(2) : int64_t{0}});
    auto grow = [&](const torch::Tensor& old, const torch::Tensor& like) {  // [B, H, capacity, D]
      auto fresh = torch::empty({like.size(0), like.size(2), capacity, like.size(3)}, like.options());
      if (old.defined()) fresh.narrow(2, 0, cache.length).copy_(old.narrow(2, 0, cache.length));
      return fresh;
    };
    cache.keys = grow(cache.keys, k);
    cache.values = grow(cache.values, v);
  }
  cache.keys.narrow(2, cache.length, T).copy_(k.transpose(1, 2));
  cache.values.narrow(2, cache.length, T).copy_(v.transpose(1, 2));
  cache.length = needed;
}
}  // namespace

torch::Tensor SoftmaxAttentionLayer::forward_cached(const torch::Tensor& x, LayerCache& cache) {
  const int64_t offset = cache.length;
  auto p = project(x, &cache, nullptr);
  append_keys_values(cache, p.k, p.v);
  // A prefill attends over its own keys only: forward's attention on the same tensors.
  auto y = offset == 0 ? attend(p.q, p.k, p.v) : attend_past(p.q, cache, offset);  // [B, T, H, D]
  return output(x, y, nullptr);
}

}  // namespace gatelab::variants
