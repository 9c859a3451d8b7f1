#include "harness/util/hashing.h"

#include <cstdio>

namespace gatelab {

uint64_t fnv1a64(const char* data, size_t size, uint64_t seed) {
  uint64_t h = seed;
  for (size_t i = 0; i < size; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ull;
  }
  return h;
}

std::string fnv1a64_hex(const std::string& bytes) {
  const uint64_t h = fnv1a64(bytes.data(), bytes.size());
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

}  // namespace gatelab
