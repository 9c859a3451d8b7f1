#include "variants/catalog.h"

namespace gatelab::variants {

std::vector<std::string> names_of(const std::vector<NameAndSummary>& catalog) {
  std::vector<std::string> names;
  for (const auto& entry : catalog) names.push_back(entry.first);
  return names;
}

}  // namespace gatelab::variants
