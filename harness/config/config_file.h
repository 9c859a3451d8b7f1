// Config keys read from YAML files with their positions, shared by grid files (sweeps/grid.cpp) and
// `gatelab run --config FILE`: every problem is reported as FILE:LINE:COLUMN, all of them at once.
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness/config/config.h"

namespace gatelab::config {

// Every problem found in a file, each "FILE:LINE:COL: message"; thrown together at the end of a phase.
class Problems {
 public:
  explicit Problems(std::string file) : file_(std::move(file)) {}
  void add(const YAML::Mark& mark, const std::string& message);
  // One UserError listing every problem ("N problems; nothing was run" after several).
  void throw_if_any() const;
  bool empty() const { return lines_.empty(); }

 private:
  std::string file_;
  std::vector<std::string> lines_;
};

// "unknown config key 'model.attn.gat'; did you mean 'model.attn.gate'? ('gatelab run --help-config' ...)".
std::string unknown_key_message(const std::string& path);

// A value for a key, typed as resolve() would (an integer literal is fine for a number key); nullopt after
// reporting a problem.
std::optional<nlohmann::json> checked_value(const KeySpec& spec, const YAML::Node& node, Problems& problems);

// Walks a mapping of (nested or dotted) config keys down to its leaves: the nodes at known keys.
struct Leaf {
  std::string path;
  YAML::Node key_node, value_node;
};

// Walks a mapping of (nested or dotted) config keys down to its leaves. A key given twice (two `model:` blocks, or
// `model.d_model` beside `model: {d_model: ...}`) is a problem at its second place; so is an unknown key, and
// nesting deeper than any config key (a YAML alias that contains itself nests forever).
void collect_yaml_leaves(const YAML::Node& map, const std::string& prefix, std::vector<Leaf>& out, Problems& problems,
                         int depth = 0);

// A run config file (YAML, or JSON: a YAML flow mapping) with `key=value` overrides on top (config::apply_override),
// resolved. Every key and value of the file is checked and every problem is one line FILE:LINE:COLUMN: message, all
// at once; an inconsistent combination points at the key it names when the file set it.
nlohmann::json resolve_file(const std::string& path, const std::vector<std::string>& overrides = {});

}  // namespace gatelab::config
