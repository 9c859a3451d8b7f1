#include "harness/config/config_file.h"

#include <fmt/format.h>

#include <algorithm>

#include "harness/config/yaml_json.h"
#include "harness/util/errors.h"

namespace gatelab::config {

using json = nlohmann::json;

namespace {

constexpr int kMaxConfigDepth = 8;  // deeper than the deepest config key (task.mqar.num_kv: 3 levels)

}  // namespace

void Problems::add(const YAML::Mark& mark, const std::string& message) {
  if (mark.is_null()) lines_.push_back(fmt::format("{}: {}", file_, message));
  else lines_.push_back(fmt::format("{}:{}:{}: {}", file_, mark.line + 1, mark.column + 1, message));
}

void Problems::throw_if_any() const {
  if (lines_.empty()) return;
  std::string message;
  for (size_t i = 0; i < lines_.size(); ++i) message += (i ? "\n" : "") + lines_[i];
  if (lines_.size() > 1) message += fmt::format("\n{} problems; nothing was run", lines_.size());
  throw UserError(message);
}

namespace {
std::vector<std::string> all_key_paths() {
  std::vector<std::string> paths;
  for (const auto& k : schema()) paths.push_back(k.path);
  return paths;
}
}  // namespace

std::string unknown_key_message(const std::string& path) {
  std::string message = fmt::format("unknown config key '{}'", path);
  std::string nearest = nearest_name(path, all_key_paths());
  if (nearest.empty()) {
    // Also try the last component alone: "gate" -> model.attn.gate.
    const std::string tail = path.substr(path.rfind('.') + 1);
    for (const auto& k : all_key_paths())
      if (k.size() > tail.size() && k.compare(k.size() - tail.size() - 1, std::string::npos, "." + tail) == 0) {
        nearest = k;
        break;
      }
  }
  if (!nearest.empty()) message += fmt::format("; did you mean '{}'?", nearest);
  message += " ('gatelab run --help-config' lists every key)";
  return message;
}

std::optional<json> checked_value(const KeySpec& spec, const YAML::Node& node, Problems& problems) {
  json value;
  try {
    value = yaml_to_json(node);
    if (spec.type == KeyType::Float && value.is_number_integer()) value = value.get<double>();
    check_value(spec, value);
  } catch (const UserError& e) {  // a ConfigError, or a value nesting without end
    problems.add(node.Mark(), e.what());
    return std::nullopt;
  }
  return value;
}

void collect_yaml_leaves(const YAML::Node& map, const std::string& prefix, std::vector<Leaf>& out, Problems& problems,
                         int depth) {
  if (depth > kMaxConfigDepth) {
    problems.add(map.Mark(), fmt::format("'{}' nests deeper than any config key ({} levels; an alias that contains "
                                         "itself?)",
                                         prefix, kMaxConfigDepth));
    return;
  }
  for (const auto& kv : map) {
    const std::string key = kv.first.as<std::string>();
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (kv.second.IsMap() && !find_key(path)) {
      collect_yaml_leaves(kv.second, path, out, problems, depth + 1);
      continue;
    }
    auto twice = std::find_if(out.begin(), out.end(), [&](const Leaf& l) { return l.path == path; });
    if (twice != out.end()) {
      problems.add(kv.first.Mark(), fmt::format("config key '{}' is given twice (first at line {})", path,
                                                twice->key_node.Mark().line + 1));
      continue;
    }
    if (!find_key(path)) {
      problems.add(kv.first.Mark(), unknown_key_message(path));
      continue;
    }
    out.push_back({path, kv.first, kv.second});
  }
}

json resolve_file(const std::string& path, const std::vector<std::string>& overrides) {
  const std::string text = read_text_file(path, "config file");
  Problems problems(path);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    problems.add(e.mark, "not valid YAML: " + e.msg);
    problems.throw_if_any();
  }
  if (!root.IsNull() && !root.IsMap()) {
    problems.add(root.Mark(), "a run config file must hold a mapping of config keys (key: value)");
    problems.throw_if_any();
  }
  std::vector<Leaf> leaves;
  if (root.IsMap()) collect_yaml_leaves(root, "", leaves, problems);
  json partial = json::object();
  for (const auto& leaf : leaves)
    if (auto value = checked_value(*find_key(leaf.path), leaf.value_node, problems)) set(partial, leaf.path, *value);
  problems.throw_if_any();
  for (const auto& assignment : overrides) apply_override(partial, assignment);
  try {
    return resolve(partial);
  } catch (const ConfigError& e) {  // an inconsistent combination: point at the key it names, when the file set it
    auto at = std::find_if(leaves.begin(), leaves.end(), [&](const Leaf& l) { return l.path == e.key_path(); });
    problems.add(at == leaves.end() ? YAML::Mark::null_mark() : at->key_node.Mark(), e.what());
    problems.throw_if_any();
  }
  return json();  // not reached: throw_if_any threw
}

}  // namespace gatelab::config
