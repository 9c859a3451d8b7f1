// Plain description of a model, built by the harness from a resolved config. variants/ knows no YAML or JSON.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gatelab::variants {

struct AttentionSpec {
  // linear attention
  std::string feature_map = "identity";
  std::string norm = "layernorm";
  double norm_eps = 1e-5;
  std::string gate = "gla";
  int64_t gate_rank = -1;
  double gate_temperature = 16.0;
  std::string gate_bias_init = "uniform";
  double gate_bias_value = 0.0;
  bool output_gate = true;
  double key_dim_ratio = 0.5;
  double value_dim_ratio = 1.0;
  double scale = 0.0;  // 0: the feature map's default
  std::string running_max = "running";
  std::string kernel = "auto";
  int64_t chunk_size = 64;
  int64_t sub_chunk_size = 16;
  // softmax attention
  std::string gate_position = "none";
  std::string gate_granularity = "elementwise";
  std::string gate_sharing = "head_specific";
  std::string gate_combine = "multiplicative";
  std::string gate_activation = "sigmoid";
  std::string gate_input = "dependent";
  bool qk_norm = true;
  bool rope = true;
  double rope_theta = 10000.0;
  std::string sdpa = "auto";
};

struct ModelSpec {
  int64_t vocab_size = 256;
  int64_t d_model = 128;
  int64_t n_layers = 2;
  int64_t n_heads = 4;
  std::string mlp = "swiglu";
  double mlp_ratio = 4.0;
  std::string block_norm = "rmsnorm";
  bool tie_embeddings = false;
  std::vector<std::string> layer_kinds;  // one per layer: linear | softmax
  AttentionSpec attn;
};

}  // namespace gatelab::variants
