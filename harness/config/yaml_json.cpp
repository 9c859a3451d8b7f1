#include "harness/config/yaml_json.h"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>

#include "harness/util/errors.h"

namespace gatelab::config {

namespace {

// YAML 1.2 core schema numbers, checked by hand: std::regex_match recurses per character and overflows the stack
// on a long scalar.
bool all_digits(const std::string& s, size_t from, size_t to) {
  if (from >= to) return false;
  for (size_t i = from; i < to; ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

bool is_integer(const std::string& s) {  // [-+]?[0-9]+
  const size_t sign = !s.empty() && (s[0] == '-' || s[0] == '+');
  return all_digits(s, sign, s.size());
}

bool is_float(const std::string& s) {  // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
  size_t i = !s.empty() && (s[0] == '-' || s[0] == '+');
  const size_t e = s.find_first_of("eE", i);
  const std::string mantissa = s.substr(i, e == std::string::npos ? std::string::npos : e - i);
  const size_t dot = mantissa.find('.');
  bool mantissa_ok =
      dot == std::string::npos
          ? all_digits(mantissa, 0, mantissa.size())
          : (dot == 0 ? all_digits(mantissa, 1, mantissa.size())
                      : all_digits(mantissa, 0, dot) &&
                            (dot + 1 == mantissa.size() || all_digits(mantissa, dot + 1, mantissa.size())));
  if (!mantissa_ok || e == std::string::npos) return mantissa_ok;
  return is_integer(s.substr(e + 1));
}

nlohmann::json scalar_to_json(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  // A quoted scalar ("3", '1e-3') is a string by the user's choice.
  if (node.Tag() == "!") return text;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return nullptr;
  if (is_integer(text)) {
    errno = 0;
    long long v = std::strtoll(text.c_str(), nullptr, 10);
    if (errno == 0) return v;
  }
  if (is_float(text)) return std::strtod(text.c_str(), nullptr);
  if (text == ".inf" || text == "+.inf") return std::numeric_limits<double>::infinity();
  if (text == "-.inf") return -std::numeric_limits<double>::infinity();
  return text;
}

}  // namespace

nlohmann::json yaml_to_json(const YAML::Node& node, int depth) {
  // No config value nests this deep; a YAML alias that contains itself would nest forever.
  constexpr int kMaxDepth = 64;
  if (depth > kMaxDepth)
    throw UserError(fmt::format("YAML at line {} nests deeper than {} levels (an alias that contains itself?)",
                                node.Mark().line + 1, kMaxDepth));
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Scalar: return scalar_to_json(node);
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : node) out.push_back(yaml_to_json(item, depth + 1));
      return out;
    }
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = yaml_to_json(kv.second, depth + 1);
      return out;
    }
  }
  return nullptr;
}

}  // namespace gatelab::config
