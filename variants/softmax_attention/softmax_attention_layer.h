// Causal softmax attention with QK-norm, RoPE and an optional sigmoid gate at one of G1..G5 (docs/RESEARCH.md 2),
// optional short convolutions on q, k, v and dropout on the attention probabilities (Zoology's MHA).
// The query and key gates (G4, G3) act after the per-head QK-norm, so a headwise gate value reaches the scores
// instead of being normalised away.
// Training uses SDPA where this LibTorch has it (>= 2.0) and a manual softmax path otherwise; the attention
// weights for the first-token share come from an explicit pass on evaluation batches only.
#pragma once

#include "variants/convolution/short_conv.h"
#include "variants/model/language_model.h"
#include "variants/model/layers.h"
#include "variants/softmax_gates/softmax_gate.h"

namespace gatelab::variants {

class SoftmaxAttentionLayer : public AttentionLayer {
 public:
  explicit SoftmaxAttentionLayer(const ModelSpec& spec);
  torch::Tensor forward(const torch::Tensor& x, LayerProbe* probe) override;  // x: [B, T, d]
  // With a KV cache: RoPE at the absolute positions, the causal mask shifted by the cached length.
  torch::Tensor forward_cached(const torch::Tensor& x, LayerCache& cache) override;

  // Attention weights softmax(q k^T / sqrt(D) + causal mask): [B, H, T, L]. q: [B, T, H, D] at positions
  // offset..offset+T-1, k: [B, L, H, D] at positions 0..L-1 (L = offset + T; the full forward: offset 0, L = T).
  static torch::Tensor attention_weights(const torch::Tensor& q, const torch::Tensor& k, int64_t offset = 0);

 private:
  struct Projected {
    torch::Tensor q, k, v;  // [B, T, H, D] each, gated, normed and rotated as the scores need them
  };
  struct GateTrace {  // what the probe keeps of the gate
    torch::Tensor scores, gated;
  };
  // The projections (short convs continued from `cache` when given), QK-norm, the q/k/v gates and RoPE.
  Projected project(const torch::Tensor& x, LayerCache* cache, GateTrace* trace);
  // The gates after attention and after the output projection, and the projection: [B, T, H, D] -> [B, T, d].
  torch::Tensor output(const torch::Tensor& x, const torch::Tensor& y, GateTrace* trace);
  torch::Tensor gate_at(GateSite site, const torch::Tensor& x, torch::Tensor y, GateTrace* trace);
  torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v);  // [B, T, H, D]
  // q [B, T, H, D] at positions offset.. over every key and value the cache holds (these positions' included).
  torch::Tensor attend_past(const torch::Tensor& q, const LayerCache& cache, int64_t offset);

  int64_t n_heads_, head_dim_;
  AttentionSpec attn_;
  GateSite site_;
  bool use_sdpa_;
  torch::nn::Linear q_proj_{nullptr}, k_proj_{nullptr}, v_proj_{nullptr}, o_proj_{nullptr};
  RmsNorm q_norm_{nullptr}, k_norm_{nullptr};
  ShortConv q_conv_{nullptr}, k_conv_{nullptr}, v_conv_{nullptr};  // short_conv with short_conv_softmax only
  std::shared_ptr<SoftmaxGate> gate_;
};

// Whether this LibTorch build has scaled_dot_product_attention.
bool sdpa_available();

}  // namespace gatelab::variants
