// Deterministic random numbers for data generation, identical on every platform (std:: distributions are not):
// mt19937_64 seeded from a stable mix of (seed, stream, index), bounded draws by rejection.
#pragma once

#include <cstdint>
#include <random>

namespace gatelab::tasks {

inline uint64_t mix_seed(uint64_t seed, uint64_t stream, uint64_t index) {
  // splitmix64 over the three parts: nearby (seed, index) pairs give unrelated generators.
  auto splitmix = [](uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  };
  return splitmix(splitmix(splitmix(seed) ^ stream) ^ index);
}

class ExampleRng {
 public:
  ExampleRng(uint64_t seed, uint64_t stream, uint64_t index) : engine_(mix_seed(seed, stream, index)) {}
  // Uniform integer in [lo, hi).
  int64_t uniform(int64_t lo, int64_t hi) {
    const uint64_t range = static_cast<uint64_t>(hi - lo);
    const uint64_t limit = UINT64_MAX - UINT64_MAX % range;
    uint64_t x;
    do x = engine_();
    while (x >= limit);
    return lo + static_cast<int64_t>(x % range);
  }
  // Uniform double in [0, 1).
  double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

 private:
  std::mt19937_64 engine_;
};

}  // namespace gatelab::tasks
