// The fused SwiGLU kernels (swiglu_kernels.h). One thread per (row, hidden channel), grid-stride: consecutive threads
// touch consecutive channels of the gate half and of the up half (two coalesced streams), all arithmetic in fp32.
#include <stdexcept>
#include <string>

#include "variants/cuda_element_access.cuh"
#include "variants/model/cuda/swiglu_kernels.h"

namespace gatelab::cuda_kernels {

namespace {

__device__ __forceinline__ float sigmoid(float g) { return 1.f / (1.f + __expf(-g)); }

template <typename T>
__global__ void swiglu_forward_kernel(const T* __restrict__ gate_up, T* __restrict__ y, int64_t n, int64_t h) {
  for (int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; idx < n;
       idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t row = idx / h, j = idx % h;
    const float g = load(gate_up + row * 2 * h + j), u = load(gate_up + row * 2 * h + h + j);
    store(y + idx, g * sigmoid(g) * u);
  }
}

template <typename T>
__global__ void swiglu_backward_kernel(const T* __restrict__ gate_up, const T* __restrict__ dy,
                                       T* __restrict__ d_gate_up, int64_t n, int64_t h) {
  for (int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; idx < n;
       idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t row = idx / h, j = idx % h;
    const float g = load(gate_up + row * 2 * h + j), u = load(gate_up + row * 2 * h + h + j), d = load(dy + idx);
    const float s = sigmoid(g);
    store(d_gate_up + row * 2 * h + j, d * u * s * (1.f + g * (1.f - s)));  // d silu(g) / dg = s (1 + g (1 - s))
    store(d_gate_up + row * 2 * h + h + j, d * g * s);
  }
}

constexpr int kThreads = 256;

void check_launch(const char* what) {
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess)
    throw std::runtime_error(std::string("CUDA SwiGLU: ") + what + ": " + cudaGetErrorString(err));
}

}  // namespace

void swiglu_forward(const SwigluProblem& p, cudaStream_t stream) {
  const int64_t n = p.rows * p.hidden;
  if (n == 0) return;
  with_element_type(p.type, [&](auto zero) {
    using T = decltype(zero);
    swiglu_forward_kernel<T><<<grid_stride_blocks(n, kThreads), kThreads, 0, stream>>>(
        static_cast<const T*>(p.gate_up), static_cast<T*>(p.y), n, p.hidden);
  });
  check_launch("forward launch");
}

void swiglu_backward(const SwigluProblem& p, cudaStream_t stream) {
  const int64_t n = p.rows * p.hidden;
  if (n == 0) return;
  with_element_type(p.type, [&](auto zero) {
    using T = decltype(zero);
    swiglu_backward_kernel<T><<<grid_stride_blocks(n, kThreads), kThreads, 0, stream>>>(
        static_cast<const T*>(p.gate_up), static_cast<const T*>(p.dy), static_cast<T*>(p.d_gate_up), n, p.hidden);
  });
  check_launch("backward launch");
}

}  // namespace gatelab::cuda_kernels
