// Torch-free entry points of the fused SwiGLU activation kernels. The plain LibTorch form is reference_swiglu
// (variants/model/layers.h); the thin binding (cuda_swiglu.cpp) wraps these kernels in an autograd function and is
// compared with that reference by tests/gpu/test_swiglu_cuda.cpp.
//
// Input: the gate and up projections side by side, gate_up [rows, 2h] (columns 0..h-1 the gate g, h..2h-1 the up
// projection u: one matmul over the concatenated weights, variants/model/layers.h fused_projection). Then
//   forward    y = silu(g) ⊙ u                                          [rows, h]
//   backward   dg = dy ⊙ u ⊙ σ(g) (1 + g (1 − σ(g))),  du = dy ⊙ silu(g)   into d_gate_up [rows, 2h]
// Why fused: eagerly that is a silu and a multiply forward and ~5 elementwise kernels backward, plus the copy that
// joins dg and du for the matmul's backward; here one pass reads the inputs once and writes the outputs once, in fp32
// registers with one rounding to the output type.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "variants/cuda_element_type.h"

namespace gatelab::cuda_kernels {

struct SwigluProblem {
  int64_t rows = 0;
  int64_t hidden = 0;  // h
  ElementType type = ElementType::f32;
  const void* gate_up = nullptr;  // [rows, 2h] contiguous
  void* y = nullptr;              // forward: [rows, h] contiguous
  const void* dy = nullptr;       // backward: [rows, h] contiguous
  void* d_gate_up = nullptr;      // backward: [rows, 2h] contiguous
};

// Launch on `stream`; throw std::runtime_error on a launch failure.
void swiglu_forward(const SwigluProblem& problem, cudaStream_t stream);
void swiglu_backward(const SwigluProblem& problem, cudaStream_t stream);

}  // namespace gatelab::cuda_kernels
