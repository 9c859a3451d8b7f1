#include "harness/config/model_spec.h"

#include "harness/config/config.h"

namespace gatelab::config {

std::vector<std::string> layer_kinds(const nlohmann::json& c) {
  const int64_t n = at(c, "model.n_layers");
  const nlohmann::json pattern = at(c, "model.layers");  // a copy: gcc 13 flags a reference bound through at()
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

namespace {
template <class E>
E parse(const variants::ChoiceTable<E>& table, const nlohmann::json& c, const std::string& key) {
  return variants::parse_choice(table, "value of " + key, at(c, key).get<std::string>());
}
}  // namespace

variants::ModelSpec model_spec(const nlohmann::json& c, int64_t vocab_size) {
  variants::ModelSpec m;
  m.vocab_size = vocab_size;
  m.d_model = at(c, "model.d_model");
  m.n_layers = at(c, "model.n_layers");
  m.n_heads = at(c, "model.n_heads");
  m.mlp = parse(variants::mlp_kinds(), c, "model.mlp");
  m.mlp_ratio = at(c, "model.mlp_ratio");
  m.block_norm = parse(variants::block_norms(), c, "model.block_norm");
  m.tie_embeddings = at(c, "model.tie_embeddings");
  m.pos_embedding = parse(variants::pos_embeddings(), c, "model.pos_embedding");
  m.max_positions = at(c, "task.seq_len");
  m.embed_dropout = at(c, "model.embed_dropout");
  for (const auto& kind : layer_kinds(c))
    m.layer_kinds.push_back(variants::parse_choice(variants::attention_kinds(), "attention kind", kind));
  auto& a = m.attn;
  a.feature_map = at(c, "model.attn.feature_map");
  a.norm = at(c, "model.attn.norm");
  a.norm_eps = at(c, "model.attn.norm_eps");
  a.gate = at(c, "model.attn.gate");
  a.gate_init = parse(variants::gate_inits(), c, "model.attn.gate_init");
  a.gate_rank = at(c, "model.attn.gate_rank");
  a.gate_temperature = at(c, "model.attn.gate_temperature");
  a.gate_bias_init = parse(variants::gate_bias_inits(), c, "model.attn.gate_bias_init");
  a.gate_bias_value = at(c, "model.attn.gate_bias_value");
  a.output_gate = at(c, "model.attn.output_gate");
  a.key_dim_ratio = at(c, "model.attn.key_dim_ratio");
  a.feature_dim = at(c, "model.attn.feature_dim");
  a.value_dim_ratio = at(c, "model.attn.value_dim_ratio");
  a.scale = at(c, "model.attn.scale");
  a.key_max = parse(variants::key_maxes(), c, "model.attn.running_max");
  a.kernel = at(c, "model.attn.kernel");
  a.chunk_size = at(c, "model.attn.chunk_size");
  a.sub_chunk_size = at(c, "model.attn.sub_chunk_size");
  a.short_conv = at(c, "model.attn.short_conv");
  a.short_conv_softmax = at(c, "model.attn.short_conv_softmax");
  a.baseconv_kernel = at(c, "model.attn.baseconv_kernel");
  a.gate_position = at(c, "model.attn.gate_position");
  a.gate_granularity = parse(variants::gate_granularities(), c, "model.attn.gate_granularity");
  a.gate_sharing = parse(variants::gate_sharings(), c, "model.attn.gate_sharing");
  a.gate_combine = parse(variants::gate_combines(), c, "model.attn.gate_combine");
  a.gate_activation = at(c, "model.attn.gate_activation");
  a.gate_input = parse(variants::gate_inputs(), c, "model.attn.gate_input");
  a.qk_norm = at(c, "model.attn.qk_norm");
  a.rope = at(c, "model.attn.rope");
  a.rope_theta = at(c, "model.attn.rope_theta");
  a.sdpa = parse(variants::softmax_kernels(), c, "model.attn.sdpa");
  a.dropout = at(c, "model.attn.dropout");
  return m;
}

variants::ModelSpec default_model_spec(int64_t vocab_size) {
  return model_spec(resolve(nlohmann::json::object()), vocab_size);
}

}  // namespace gatelab::config
