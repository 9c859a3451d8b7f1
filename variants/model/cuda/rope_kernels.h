// Torch-free entry point of the fused rotary position embedding (RoPE) kernel. The plain LibTorch form is
// reference_rope (variants/model/layers.h); the thin binding (cuda_rope.cpp) wraps this kernel in an autograd
// function and is compared with that reference by tests/gpu/test_rope_cuda.cpp.
//
// The rotation, for channel pairs (i, i + D/2) of each head and token position p = offset + t:
//   y_i = x_i cos(p w_i) - x_{i+D/2} sin(p w_i),   y_{i+D/2} = x_i sin(p w_i) + x_{i+D/2} cos(p w_i),
//   w_i = theta^(-2i / D).
// Its gradient is the inverse rotation (sin negated), so one kernel serves forward and backward.
// Why fused: the plain form is ~7 elementwise kernels forward and ~10 backward per call, with cos / sin tables
// rebuilt each time; the training profile of the softmax models put ~12% of a step there (issue 18). The kernel
// reads x once, writes y once, and computes each angle in fp32 registers, once per (token, pair) for all heads.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "variants/cuda_element_type.h"

namespace gatelab::cuda_kernels {

struct RopeProblem {
  int B = 0, T = 0, H = 0, D = 0;  // D even
  int64_t offset = 0;              // the position of token 0 (the keys already in a decoding cache)
  float theta = 10000.f;
  bool inverse = false;            // rotate by -angle: the backward
  ElementType type = ElementType::f32;
  const void* x = nullptr;         // [B, T, H, D] contiguous
  void* y = nullptr;               // [B, T, H, D] contiguous, may not alias x
};

// Launches on `stream`; throws std::runtime_error on a launch failure.
void rope_rotate(const RopeProblem& problem, cudaStream_t stream);

}  // namespace gatelab::cuda_kernels
