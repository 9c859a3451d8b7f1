// YAML → JSON with YAML 1.2 core-schema typing of plain scalars (42 → int, 1e-3 → float, true → bool,
// null/~ → null, anything else → string; quoted scalars stay strings).
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

namespace gatelab::config {

nlohmann::json yaml_to_json(const YAML::Node& node, int depth = 0);

}  // namespace gatelab::config
