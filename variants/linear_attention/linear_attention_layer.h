// A gated linear-attention layer (docs/RESEARCH.md 1.5): projections, optional short causal convolutions on q, k, v
// (model.attn.short_conv), feature map, gate, recurrence (through a registered kernel), per-head readout norm,
// optional swish output gate, output projection.
#pragma once

#include "variants/convolution/short_conv.h"
#include "variants/feature_maps/feature_map.h"
#include "variants/gates/gate.h"
#include "variants/linear_attention/linear_attention_ops.h"
#include "variants/model/language_model.h"
#include "variants/norms/readout_norm.h"

namespace gatelab::variants {

class LinearAttentionLayer : public AttentionLayer {
 public:
  LinearAttentionLayer(const ModelSpec& spec);
  torch::Tensor forward(const torch::Tensor& x, LayerProbe* probe) override;  // x: [B, T, d]
  torch::Tensor forward_cached(const torch::Tensor& x, LayerCache& cache) override;

 private:
  torch::Tensor run(const torch::Tensor& x, LayerProbe* probe, LayerCache* cache);  // cache: null for forward
  LinearAttentionInputs recurrence_inputs(const torch::Tensor& phi_q, const MappedKeys& keys, const torch::Tensor& v,
                                          const Decay& decay) const;
  const LinearAttentionKernel& cached_kernel(torch::DeviceType device, int64_t key_dim, int64_t T) const;

  int64_t n_heads_, head_key_dim_, head_value_dim_;
  double scale_;
  AttentionSpec attn_;
  torch::nn::Linear q_proj_{nullptr}, k_proj_{nullptr}, v_proj_{nullptr}, r_proj_{nullptr}, o_proj_{nullptr};
  ShortConv q_conv_{nullptr}, k_conv_{nullptr}, v_conv_{nullptr};  // model.attn.short_conv > 0 only
  std::shared_ptr<FeatureMap> feature_map_;
  std::shared_ptr<Gate> gate_;
  std::shared_ptr<ReadoutNorm> norm_;
};

}  // namespace gatelab::variants
