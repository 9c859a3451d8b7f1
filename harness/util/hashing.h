#pragma once

#include <cstdint>
#include <string>

namespace gatelab {

// FNV-1a, 64 bit, as 16 lowercase hex digits. Stable across platforms and runs (std::hash is not), which is
// what a run's identity needs: the same canonical config always hashes to the same id.
std::string fnv1a64_hex(const std::string& bytes);

}  // namespace gatelab
