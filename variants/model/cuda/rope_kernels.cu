// The fused RoPE kernel (rope_kernels.h). One thread per (batch, token, channel pair): it forms the angle once, in
// fp32 exactly as reference_rope does (w_i = theta^((-2i) / D), angle = p * w_i), and rotates that pair in every
// head, so consecutive threads touch consecutive channels (coalesced) and the multiply-adds stay in fp32 with one
// rounding to the output type.
#include <stdexcept>
#include <string>

#include "variants/cuda_element_access.cuh"
#include "variants/model/cuda/rope_kernels.h"

namespace gatelab::cuda_kernels {

namespace {

template <typename T>
__global__ void rope_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t pairs, int T_len, int H, int D,
                            int64_t offset, float theta, float sign) {
  const int half = D / 2;
  for (int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; idx < pairs;
       idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int i = static_cast<int>(idx % half);
    const int64_t row = idx / half;  // b * T + t
    const int64_t position = offset + row % T_len;
    // The reference's fp32 steps: (-2i) / D, theta^that, then position * frequency.
    const float frequency = powf(theta, (-static_cast<float>(i) * 2.0f) / static_cast<float>(D));
    float s, c;
    sincosf(static_cast<float>(position) * frequency, &s, &c);
    s *= sign;
    const T* xr = x + row * H * D + i;
    T* yr = y + row * H * D + i;
    for (int h = 0; h < H; ++h) {
      const float x1 = load(xr + h * D), x2 = load(xr + h * D + half);
      store(yr + h * D, x1 * c - x2 * s);
      store(yr + h * D + half, x1 * s + x2 * c);
    }
  }
}

template <typename T>
void launch(const RopeProblem& p, cudaStream_t stream) {
  const int64_t pairs = static_cast<int64_t>(p.B) * p.T * (p.D / 2);
  if (pairs == 0) return;
  constexpr int kThreads = 256;
  rope_kernel<T><<<grid_stride_blocks(pairs, kThreads), kThreads, 0, stream>>>(
      static_cast<const T*>(p.x), static_cast<T*>(p.y), pairs, p.T, p.H, p.D, p.offset, p.theta,
      p.inverse ? -1.f : 1.f);
}

}  // namespace

void rope_rotate(const RopeProblem& p, cudaStream_t stream) {
  if (p.D % 2 != 0) throw std::runtime_error("CUDA RoPE: head dim " + std::to_string(p.D) + " must be even");
  with_element_type(p.type, [&](auto zero) { launch<decltype(zero)>(p, stream); });
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) throw std::runtime_error(std::string("CUDA RoPE: launch: ") + cudaGetErrorString(err));
}

}  // namespace gatelab::cuda_kernels
