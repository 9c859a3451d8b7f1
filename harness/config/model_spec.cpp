#include "harness/config/model_spec.h"

#include "harness/config/config.h"

namespace gatelab::config {

std::vector<std::string> layer_kinds(const nlohmann::json& c) {
  const int64_t n = at(c, "model.n_layers");
  const auto& pattern = at(c, "model.layers");
  const int64_t every = at(c, "model.hybrid_every");
  const std::string base = at(c, "model.attn.kind");
  std::vector<std::string> kinds;
  for (int64_t i = 0; i < n; ++i) {
    if (!pattern.empty()) kinds.push_back(pattern[static_cast<size_t>(i) % pattern.size()].get<std::string>());
    else if (every > 0 && (i + 1) % every == 0) kinds.push_back("softmax");
    else kinds.push_back(base);
  }
  return kinds;
}

variants::ModelSpec model_spec(const nlohmann::json& c, int64_t vocab_size) {
  variants::ModelSpec m;
  m.vocab_size = vocab_size;
  m.d_model = at(c, "model.d_model");
  m.n_layers = at(c, "model.n_layers");
  m.n_heads = at(c, "model.n_heads");
  m.mlp = at(c, "model.mlp");
  m.mlp_ratio = at(c, "model.mlp_ratio");
  m.block_norm = at(c, "model.block_norm");
  m.tie_embeddings = at(c, "model.tie_embeddings");
  m.layer_kinds = layer_kinds(c);
  auto& a = m.attn;
  const auto& j = at(c, "model.attn");
  a.feature_map = j.at("feature_map");
  a.norm = j.at("norm");
  a.norm_eps = j.at("norm_eps");
  a.gate = j.at("gate");
  a.gate_rank = j.at("gate_rank");
  a.gate_temperature = j.at("gate_temperature");
  a.gate_bias_init = j.at("gate_bias_init");
  a.gate_bias_value = j.at("gate_bias_value");
  a.output_gate = j.at("output_gate");
  a.key_dim_ratio = j.at("key_dim_ratio");
  a.value_dim_ratio = j.at("value_dim_ratio");
  a.scale = j.at("scale");
  a.running_max = j.at("running_max");
  a.kernel = j.at("kernel");
  a.chunk_size = j.at("chunk_size");
  a.sub_chunk_size = j.at("sub_chunk_size");
  a.gate_position = j.at("gate_position");
  a.gate_granularity = j.at("gate_granularity");
  a.gate_sharing = j.at("gate_sharing");
  a.gate_combine = j.at("gate_combine");
  a.gate_activation = j.at("gate_activation");
  a.gate_input = j.at("gate_input");
  a.qk_norm = j.at("qk_norm");
  a.rope = j.at("rope");
  a.rope_theta = j.at("rope_theta");
  a.sdpa = j.at("sdpa");
  return m;
}

}  // namespace gatelab::config
