#include "variants/linear_attention/linear_attention_layer.h"

#include "variants/model/layers.h"

namespace gatelab::variants {

LinearAttentionLayer::LinearAttentionLayer(const ModelSpec& spec) : n_heads_(spec.n_heads), attn_(spec.attn) {
  const int64_t d = spec.d_model;
  head_key_dim_ = attn_.feature_dim > 0 ? attn_.feature_dim : static_cast<int64_t>(attn_.key_dim_ratio * d) / n_heads_;
  head_value_dim_ = static_cast<int64_t>(attn_.value_dim_ratio * d) / n_heads_;
  const int64_t key_dim = head_key_dim_ * n_heads_, value_dim = head_value_dim_ * n_heads_;
  q_proj_ = register_module("q_proj", make_projection(d, key_dim));
  k_proj_ = register_module("k_proj", make_projection(d, key_dim));
  v_proj_ = register_module("v_proj", make_projection(d, value_dim));
  if (attn_.output_gate) r_proj_ = register_module("r_proj", make_projection(d, value_dim, /*bias=*/true));
  o_proj_ = register_module("o_proj", make_projection(value_dim, d));
  if (attn_.short_conv > 0) {
    // fla's ShortConvolution: depthwise, no bias, SiLU after.
    q_conv_ = register_module("q_conv", ShortConv(key_dim, attn_.short_conv, /*bias=*/false));
    k_conv_ = register_module("k_conv", ShortConv(key_dim, attn_.short_conv, /*bias=*/false));
    v_conv_ = register_module("v_conv", ShortConv(value_dim, attn_.short_conv, /*bias=*/false));
  }

  FeatureMapSpec map_spec{head_key_dim_, attn_.key_max == KeyMax::Running};
  feature_map_ = register_module("feature_map", feature_maps().get(attn_.feature_map).make(map_spec));
  GateSpec gate_spec{d,
                     n_heads_,
                     feature_map_->feature_dim(),
                     head_value_dim_,
                     attn_.gate_rank,
                     attn_.gate_temperature,
                     attn_.gate_bias_init,
                     attn_.gate_bias_value,
                     attn_.gate_init};
  gate_ = register_module("gate", gates().get(attn_.gate).make(gate_spec));
  norm_ = register_module("norm", readout_norms().get(attn_.norm).make({n_heads_, head_value_dim_, attn_.norm_eps}));
  scale_ = attn_.scale > 0 ? attn_.scale : feature_map_->default_scale();
}

torch::Tensor LinearAttentionLayer::forward(const torch::Tensor& x, LayerProbe* probe) {
  return run(x, probe, nullptr);
}

torch::Tensor LinearAttentionLayer::forward_cached(const torch::Tensor& x, LayerCache& cache) {
  return run(x, nullptr, &cache);
}

// One path for both: without a cache the sequence starts at x; with one, x continues it, and the short convolutions,
// the feature map and the recurrence start from what the cache carries and leave their new state there.
torch::Tensor LinearAttentionLayer::run(const torch::Tensor& x, LayerProbe* probe, LayerCache* cache) {
  const int64_t B = x.size(0), T = x.size(1), H = n_heads_;
  auto qkv = project_together(x, {q_proj_, k_proj_, v_proj_}, projections_fused(x));  // [B, T, H * dim] each
  auto mix = [&](const torch::Tensor& y, ShortConv& conv, ConvState* state) {         // [B, T, H * dim]
    return conv ? torch::silu(conv(y, state)) : y;
  };
  auto q = mix(qkv[0], q_conv_, cache ? &cache->q_conv : nullptr).view({B, T, H, head_key_dim_});    // [B, T, H, K]
  auto k = mix(qkv[1], k_conv_, cache ? &cache->k_conv : nullptr).view({B, T, H, head_key_dim_});    // [B, T, H, K]
  auto v = mix(qkv[2], v_conv_, cache ? &cache->v_conv : nullptr).view({B, T, H, head_value_dim_});  // [B, T, H, V]

  auto phi_q = feature_map_->map_queries(q) * scale_;  // [B, T, H, M]
  // phi_k [B, T, H, M], log_decay [B, T, H] or undefined
  auto keys = cache ? feature_map_->map_keys_continued(k, cache->feature_map) : feature_map_->map_keys(k);
  Decay decay = gate_->forward(x, probe != nullptr);

  LinearAttentionInputs in = recurrence_inputs(phi_q, keys, v, decay);
  torch::Tensor o;  // [B, T, H, V(+1)]
  if (cache) {
    in.initial_state = cache->state;
    auto out = cached_kernel(x.device().type(), phi_q.size(-1), T).run(in);
    o = out.o;
    cache->state = out.final_state;
  } else {
    o = resolve_linear_attention_kernel(attn_.kernel, x.device().type(), phi_q.size(-1)).run(in).o;
  }
  torch::Tensor denominator;
  if (norm_->needs_denominator()) {
    denominator = o.select(-1, head_value_dim_);  // [B, T, H]
    o = o.narrow(-1, 0, head_value_dim_);
  }
  o = norm_->forward(o, denominator).reshape({B, T, H * head_value_dim_});
  if (r_proj_) o = torch::silu(r_proj_(x)) * o;  // GLA's swish output gate
  if (probe) {
    probe->attn_kind = "linear";
    probe->gate_values = decay.probe;
  }
  return o_proj_(o);
}

LinearAttentionInputs LinearAttentionLayer::recurrence_inputs(const torch::Tensor& phi_q, const MappedKeys& keys,
                                                              const torch::Tensor& v, const Decay& decay) const {
  const int64_t B = v.size(0), T = v.size(1), H = n_heads_;
  LinearAttentionInputs in;
  in.q = phi_q;
  in.k = decay.write.defined() ? keys.phi_k * decay.write.to(keys.phi_k.scalar_type()) : keys.phi_k;
  in.v = v;
  in.log_decay_k = decay.log_k;
  if (keys.log_decay.defined()) {
    auto rescale = keys.log_decay.unsqueeze(-1).to(phi_q.scalar_type());  // [B, T, H, 1]
    in.log_decay_k = in.log_decay_k.defined() ? in.log_decay_k + rescale : rescale.expand_as(phi_q);
  }
  in.log_decay_v = decay.log_v;
  if (norm_->needs_denominator()) {
    // phi(q_t) . z_t comes out of the same recurrence as an extra value column of ones.
    in.v = torch::cat({v, torch::ones({B, T, H, 1}, v.options())}, -1);
    if (in.log_decay_v.defined())
      in.log_decay_v = torch::cat({in.log_decay_v, torch::zeros({B, T, H, 1}, v.options())}, -1);
  }
  in.chunk_size = attn_.chunk_size;
  in.sub_chunk_size = attn_.sub_chunk_size;
  return in;
}

const LinearAttentionKernel& LinearAttentionLayer::cached_kernel(torch::DeviceType device, int64_t key_dim,
                                                                 int64_t T) const {
  // A decode step is one step of the recurrence: the reference itself, where the chunkwise forms would pad one token
  // to a whole chunk. Longer chunks (a prefill) take the configured kernel, started from the carried state.
  if (T == 1) return linear_attention_kernels().get("recurrent").make;
  return resolve_linear_attention_kernel(attn_.kernel, device, key_dim);
}

}  // namespace gatelab::variants
