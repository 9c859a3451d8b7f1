#include "harness/util/errors.h"

#include <algorithm>

namespace gatelab {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t substitute = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, substitute});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string nearest_name(const std::string& name, const std::vector<std::string>& valid) {
  std::string best;
  size_t best_distance = std::string::npos;
  for (const auto& candidate : valid) {
    size_t d = edit_distance(name, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  // A suggestion farther than half the name's length is noise, not help.
  if (best.empty() || best_distance > std::max<size_t>(2, name.size() / 2)) return "";
  return best;
}

std::string unknown_name_message(const std::string& kind, const std::string& name,
                                 const std::vector<std::string>& valid) {
  std::string message = "unknown " + kind + " '" + name + "'";
  std::string nearest = nearest_name(name, valid);
  if (!nearest.empty()) message += "; did you mean '" + nearest + "'?";
  message += " valid: ";
  for (size_t i = 0; i < valid.size(); ++i) message += (i ? ", " : "") + valid[i];
  return message;
}

}  // namespace gatelab
