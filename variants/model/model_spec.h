// Plain description of a model, built by the harness from a resolved config (harness/config/model_spec.cpp).
// variants/ knows no YAML or JSON. No field has a default here: the config schema (harness/config/config.cpp) is
// the one place defaults live, so a spec is always made from a resolved config (tests: config::default_model_spec).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "variants/model/choices.h"

namespace gatelab::variants {

struct AttentionSpec {
  // linear attention
  std::string feature_map;  // registry name
  std::string norm;         // registry name
  double norm_eps;
  std::string gate;  // registry name
  GateInit gate_init;
  int64_t gate_rank;
  double gate_temperature;
  GateBiasInit gate_bias_init;
  double gate_bias_value;
  bool output_gate;
  double key_dim_ratio;
  int64_t feature_dim;  // key dim per head before the feature map; 0: key_dim_ratio * d / n_heads
  double value_dim_ratio;
  double scale;  // 0: the feature map's default
  KeyMax key_max;
  std::string kernel;  // registry name or auto
  int64_t chunk_size;
  int64_t sub_chunk_size;
  int64_t short_conv;        // width of the causal depthwise conv (+ SiLU) on q, k, v; 0: none
  bool short_conv_softmax;   // the short conv also on softmax layers
  int64_t baseconv_kernel;   // width of BaseConv's short conv (baseconv layers)
  // softmax attention
  std::string gate_position;  // registry name
  GateGranularity gate_granularity;
  GateSharing gate_sharing;
  GateCombine gate_combine;
  std::string gate_activation;  // registry name
  GateInput gate_input;
  bool qk_norm;
  bool rope;
  double rope_theta;
  SoftmaxKernel sdpa;
  double dropout;  // on the softmax attention probabilities (Zoology's MHA), training only
};

struct ModelSpec {
  int64_t vocab_size;
  int64_t d_model;
  int64_t n_layers;
  int64_t n_heads;
  Mlp mlp;
  double mlp_ratio;
  BlockNorm block_norm;
  bool tie_embeddings;
  PosEmbedding pos_embedding;
  int64_t max_positions;  // learned position embeddings cover positions 0..max_positions-1 (the task's seq_len)
  double embed_dropout;   // on the embedding output (Zoology's embed_dropout), training only
  std::vector<AttentionKind> layer_kinds;  // one per layer
  AttentionSpec attn;
};

}  // namespace gatelab::variants
