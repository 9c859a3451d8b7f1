// Run configuration: one schema (every key, its type, default, valid choices and meaning), resolution of a
// user's partial config into a full one, and the run's identity (hash of the canonical resolved config).
// Torch-free: the sweep planner and the CLI use it without loading torch.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/util/errors.h"

namespace gatelab::config {

using json = nlohmann::json;

enum class KeyType { Int, Float, Bool, String, StringList };

// A condition on a resolved config, with the words `--help-config` and `sweep plan` print for it.
struct KeyScope {
  std::string when;                                  // "a layer is linear"; empty: always
  std::function<bool(const nlohmann::json&)> holds;  // nullptr: always
  bool applies(const nlohmann::json& resolved) const { return !holds || holds(resolved); }
};

struct KeySpec {
  std::string path;  // dotted, e.g. "model.attn.gate"
  KeyType type;
  json default_value;
  std::string doc;
  // Valid values for a String (or each StringList item); empty means free text. A function, so that
  // registry-backed keys always list what is registered now.
  std::function<std::vector<std::string>()> choices = nullptr;
  double min = -1e300, max = 1e300;  // inclusive bounds for Int and Float
  // When the key's value can reach the trained model or what the run measures. Where it cannot (a linear-attention
  // option of an all-softmax model, a logging cadence), the run's identity takes the default in its place, so
  // configs that differ only there are one run. Unset: always.
  KeyScope scope;
};

// Every key a run config may hold, in documentation order.
const std::vector<KeySpec>& schema();

// The KeySpec for a dotted path, or nullptr.
const KeySpec* find_key(const std::string& path);

// A config error that names the offending key, so a caller holding source positions (a YAML file) can point at it.
class ConfigError : public UserError {
 public:
  ConfigError(std::string key_path, const std::string& message) : UserError(message), key_path_(std::move(key_path)) {}
  const std::string& key_path() const { return key_path_; }

 private:
  std::string key_path_;
};

// The default config, nested.
json defaults();

// Fills defaults into a partial nested config and validates every key and value. Unknown keys, wrong types,
// values out of range or not among the choices, and inconsistent combinations throw ConfigError.
json resolve(const json& partial);

// Checks one value for one key (type, bounds, choices); throws ConfigError. Used by resolve() and by
// sweep validation, which checks grid values before expanding.
void check_value(const KeySpec& spec, const json& value);

// Compact JSON with sorted keys (how configs are stored).
std::string canonical(const json& resolved);

// The resolved config with every key whose scope does not hold reset to its default: what identifies the run.
// A config whose out-of-scope keys are at their defaults is its own identity config, so its hash is unchanged
// from before scopes existed (tests/harness/identity_test.cpp pins one).
json identity_config(const json& resolved);

// The keys of `resolved` that are out of scope and not at their default: path -> the scope's condition.
std::vector<std::pair<std::string, std::string>> out_of_scope_keys(const json& resolved);

// The run's identity: 16 hex digits of the canonical identity config.
std::string hash(const json& resolved);

// Reads a dotted path from a nested config ("model.d_model").
const json& at(const json& config, const std::string& dotted_path);

// Sets a dotted path in a nested config, creating objects on the way.
void set(json& config, const std::string& dotted_path, json value);

// Applies "key=value" overrides (the value parsed as a YAML scalar or flow list: 3, 1e-3, true, [a, b], gla).
void apply_override(json& config, const std::string& assignment);

// Converts a YAML node (mapping, sequence or scalar) to JSON, typing scalars as YAML 1.2 core does.
json from_yaml_text(const std::string& yaml_text);

// The text of a config or grid file: a UserError naming the file when it cannot be read, is not a regular file
// (a directory), or is not valid UTF-8 (with the line and column of the first bad byte).
std::string read_text_file(const std::string& path, const std::string& what);

// Loads a run config file (.json or .yaml), unresolved; it must hold one mapping of config keys.
json load_file(const std::string& path);

// Markdown table of every key (path, type, default, choices, doc): `gatelab run --help-config`.
std::string schema_markdown();

}  // namespace gatelab::config
