#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace gatelab {

// FNV-1a, 64 bit, as 16 lowercase hex digits. Stable across platforms and runs (std::hash is not), which is
// what a run's identity needs: the same canonical config always hashes to the same id.
std::string fnv1a64_hex(const std::string& bytes);

// The same hash as a number, continued from `seed` (so a header and a payload can be hashed as one stream
// without copying them together). fnv1a64_hex(s) is this of s from the default seed, in hex.
constexpr uint64_t kFnv1a64Seed = 14695981039346656037ull;
uint64_t fnv1a64(const char* data, size_t size, uint64_t seed = kFnv1a64Seed);

}  // namespace gatelab
