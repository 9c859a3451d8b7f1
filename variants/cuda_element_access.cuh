// Device-side access to the element types of cuda_element_type.h, shared by the elementwise torch-free kernels under
// variants/ (RoPE, SwiGLU): a load widens to fp32, a store rounds once to nearest, so the arithmetic between them
// stays in fp32 registers whatever the tensor's type; with_element_type calls a body with a value of the C++ type an
// ElementType names, which is how an entry point picks its kernel instantiation. Include from .cu files only.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

#include "variants/cuda_element_type.h"

namespace gatelab::cuda_kernels {

__device__ __forceinline__ float load(const float* p) { return *p; }
__device__ __forceinline__ float load(const __half* p) { return __half2float(*p); }
__device__ __forceinline__ float load(const __nv_bfloat16* p) { return __bfloat162float(*p); }
__device__ __forceinline__ void store(float* p, float v) { *p = v; }
__device__ __forceinline__ void store(__half* p, float v) { *p = __float2half_rn(v); }
__device__ __forceinline__ void store(__nv_bfloat16* p, float v) { *p = __float2bfloat16_rn(v); }

// Blocks of `threads` for one thread per element of n, capped where the kernels' grid-stride loops take the rest.
inline int grid_stride_blocks(int64_t n, int threads) {
  const int64_t blocks = (n + threads - 1) / threads;
  return static_cast<int>(blocks < 65535 * 8 ? blocks : 65535 * 8);
}

// body(T{}) for the T that `type` names: float, __half or __nv_bfloat16.
template <typename Body>
void with_element_type(ElementType type, Body&& body) {
  switch (type) {
    case ElementType::f32: body(float{}); break;
    case ElementType::f16: body(__half{}); break;
    case ElementType::bf16: body(__nv_bfloat16{}); break;
  }
}

}  // namespace gatelab::cuda_kernels
