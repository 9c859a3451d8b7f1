// The element types the torch-free CUDA kernels under variants/ take (linear attention, RoPE); each binding maps a
// torch dtype onto one of these and names the valid dtypes when it cannot.
#pragma once

namespace gatelab::cuda_kernels {

enum class ElementType { f32, f16, bf16 };

}  // namespace gatelab::cuda_kernels
