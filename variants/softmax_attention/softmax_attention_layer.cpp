#include "variants/softmax_attention/softmax_attention_layer.h"

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

torch::Tensor SoftmaxAttentionLayer::attention_weights(const torch::Tensor& q, const torch::Tensor& k) {
  const int64_t T = q.size(1);
  auto scores = torch::matmul(q.transpose(1, 2), k.transpose(1, 2).transpose(-1, -2)) /
                std::sqrt(static_cast<double>(q.size(3)));  // [B, H, T, T]
  auto future = torch::ones({T, T}, q.options().dtype(torch::kBool)).triu(1);
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

torch::Tensor SoftmaxAttentionLayer::forward(const torch::Tensor& x, LayerProbe* probe) {
  const int64_t B = x.size(0), T = x.size(1), H = n_heads_, D = head_dim_;
  torch::Tensor gate_scores, gated;
  torch::Tensor* scores_out = probe ? &gate_scores : nullptr;
  auto gate_at = [&](GateSite site, torch::Tensor y) {
    if (site_ != site) return y;
    y = gate_->forward(x, y, scores_out);
    if (probe) gated = y;
    return y;
  };
  auto project = [&](torch::nn::Linear& proj, ShortConv& conv) {  // [B, T, H, D]
    auto y = proj(x);
    return (conv ? torch::silu(conv(y)) : y).view({B, T, H, D});
  };
  auto q = project(q_proj_, q_conv_), k = project(k_proj_, k_conv_);
  if (attn_.qk_norm) {
    q = q_norm_(q);
    k = k_norm_(k);
  }
  q = gate_at(GateSite::AfterQuery, q);  // after the norm: the gate must reach the scores
  k = gate_at(GateSite::AfterKey, k);
  auto v = gate_at(GateSite::AfterValue, project(v_proj_, v_conv_));
  if (attn_.rope) {
    q = apply_rope(q, attn_.rope_theta);
    k = apply_rope(k, attn_.rope_theta);
  }
  auto y = gate_at(GateSite::AfterAttention, attend(q, k, v));  // [B, T, H, D]
  auto out = o_proj_(y.reshape({B, T, H * D}));
  out = gate_at(GateSite::AfterOutput, out.view({B, T, H, D})).view({B, T, H * D});
  if (probe) {
    probe->attn_kind = "softmax";
    // The explicit pass: training never materializes [B, H, T, T].
    probe->attention_weights = attention_weights(q, k).detach();
    if (gate_) {
      probe->gate_values["gate"] = gate_scores.detach();
      probe->gated_output = gated.detach();
    }
  }
  return out;
}

}  // namespace gatelab::variants
