#include "harness/util/file_names.h"

#include <cctype>

namespace gatelab {

std::string safe_file_name(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool kept = std::isalnum(static_cast<unsigned char>(c)) || std::string("-_.=,+").find(c) != std::string::npos;
    out += kept ? c : '_';
  }
  if (out.empty() || out[0] == '.') out = "_" + out;
  return out.substr(0, 200);
}

}  // namespace gatelab
