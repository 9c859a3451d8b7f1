// Resolved run config → variants::ModelSpec (variants/ knows no JSON): the config → spec boundary, where closed
// choices become enums (variants/model/choices.h).
#pragma once

#include <nlohmann/json.hpp>

#include "variants/model/model_spec.h"

namespace gatelab::config {

// vocab_size comes from the task. Layer kinds: model.layers repeated cyclically, else every hybrid_every-th layer
// softmax, else all model.attn.kind.
variants::ModelSpec model_spec(const nlohmann::json& resolved, int64_t vocab_size);

// The spec of the default config (the schema's defaults), for tests and benchmarks that change a few fields.
variants::ModelSpec default_model_spec(int64_t vocab_size);

// The attention kind of each layer, by the same rule (torch-free, for plans and summaries).
std::vector<std::string> layer_kinds(const nlohmann::json& resolved);

}  // namespace gatelab::config
