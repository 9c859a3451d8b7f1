// Closed choices of a model: each config string is parsed once, at the config -> spec boundary
// (harness/config/model_spec.cpp), into an enum, and its table below is the one place its names live — the config
// schema lists a table's names as the key's choices. Torch-free, so the config reads the names without torch.
// (Open choices — feature maps, gates, norms, kernels, softmax gate positions and activations — are registries.)
#pragma once

#include <string>
#include <vector>

#include "harness/util/errors.h"

namespace gatelab::variants {

template <class E>
struct Choice {
  std::string name;
  E value;
};
template <class E>
using ChoiceTable = std::vector<Choice<E>>;

// The sequence mixer of a layer: linear or softmax attention, or Zoology's BaseConv (docs/RESEARCH.md 3) with a
// short causal convolution (baseconv) or an implicit long one (baseconv_long).
enum class AttentionKind { Linear, Softmax, BaseConv, BaseConvLong };
enum class Mlp { SwiGlu, Identity, None };
enum class BlockNorm { RmsNorm, LayerNorm };
enum class GateBiasInit { Uniform, Zero, Extreme, Fixed };
enum class KeyMax { Running, Global };  // ReGLA's key max M: causal running max, or over the whole sequence
enum class GateGranularity { Elementwise, Headwise };
enum class GateSharing { HeadSpecific, HeadShared };
enum class GateCombine { Multiplicative, Additive };
enum class GateInput { Dependent, Independent };
enum class SoftmaxKernel { Auto, Manual, Sdpa };
enum class PosEmbedding { None, Learned };
enum class GateInit { Torch, Fla };

inline const ChoiceTable<AttentionKind>& attention_kinds() {
  static const ChoiceTable<AttentionKind> t = {{"linear", AttentionKind::Linear},
                                               {"softmax", AttentionKind::Softmax},
                                               {"baseconv", AttentionKind::BaseConv},
                                               {"baseconv_long", AttentionKind::BaseConvLong}};
  return t;
}
inline const ChoiceTable<Mlp>& mlp_kinds() {
  static const ChoiceTable<Mlp> t = {{"swiglu", Mlp::SwiGlu}, {"identity", Mlp::Identity}, {"none", Mlp::None}};
  return t;
}
inline const ChoiceTable<BlockNorm>& block_norms() {
  static const ChoiceTable<BlockNorm> t = {{"rmsnorm", BlockNorm::RmsNorm}, {"layernorm", BlockNorm::LayerNorm}};
  return t;
}
inline const ChoiceTable<GateBiasInit>& gate_bias_inits() {
  static const ChoiceTable<GateBiasInit> t = {{"uniform", GateBiasInit::Uniform},
                                              {"zero", GateBiasInit::Zero},
                                              {"extreme", GateBiasInit::Extreme},
                                              {"fixed", GateBiasInit::Fixed}};
  return t;
}
inline const ChoiceTable<KeyMax>& key_maxes() {
  static const ChoiceTable<KeyMax> t = {{"running", KeyMax::Running}, {"global", KeyMax::Global}};
  return t;
}
inline const ChoiceTable<GateGranularity>& gate_granularities() {
  static const ChoiceTable<GateGranularity> t = {{"elementwise", GateGranularity::Elementwise},
                                                 {"headwise", GateGranularity::Headwise}};
  return t;
}
inline const ChoiceTable<GateSharing>& gate_sharings() {
  static const ChoiceTable<GateSharing> t = {{"head_specific", GateSharing::HeadSpecific},
                                             {"head_shared", GateSharing::HeadShared}};
  return t;
}
inline const ChoiceTable<GateCombine>& gate_combines() {
  static const ChoiceTable<GateCombine> t = {{"multiplicative", GateCombine::Multiplicative},
                                             {"additive", GateCombine::Additive}};
  return t;
}
inline const ChoiceTable<GateInput>& gate_inputs() {
  static const ChoiceTable<GateInput> t = {{"dependent", GateInput::Dependent},
                                           {"independent", GateInput::Independent}};
  return t;
}
inline const ChoiceTable<SoftmaxKernel>& softmax_kernels() {
  static const ChoiceTable<SoftmaxKernel> t = {
      {"auto", SoftmaxKernel::Auto}, {"manual", SoftmaxKernel::Manual}, {"sdpa", SoftmaxKernel::Sdpa}};
  return t;
}

inline const ChoiceTable<PosEmbedding>& pos_embeddings() {
  static const ChoiceTable<PosEmbedding> t = {{"none", PosEmbedding::None}, {"learned", PosEmbedding::Learned}};
  return t;
}
inline const ChoiceTable<GateInit>& gate_inits() {
  static const ChoiceTable<GateInit> t = {{"torch", GateInit::Torch}, {"fla", GateInit::Fla}};
  return t;
}

template <class E>
std::vector<std::string> choice_names(const ChoiceTable<E>& table) {
  std::vector<std::string> names;
  for (const auto& c : table) names.push_back(c.name);
  return names;
}

// The enum value named `name`; an unknown name is a UserError naming `what` and the valid choices.
template <class E>
E parse_choice(const ChoiceTable<E>& table, const std::string& what, const std::string& name) {
  for (const auto& c : table)
    if (c.name == name) return c.value;
  throw UserError(unknown_name_message(what, name, choice_names(table)));
}

template <class E>
const std::string& choice_name(const ChoiceTable<E>& table, E value) {
  for (const auto& c : table)
    if (c.value == value) return c.name;
  throw Error("a choice without a name in its table");
}

}  // namespace gatelab::variants
