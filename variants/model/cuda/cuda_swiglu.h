// The CUDA fast path of SwiGLU's activation: an autograd function around the fused kernels (swiglu_kernels.cu).
// Same contract as reference_swiglu (variants/model/layers.h) on gate_up [..., 2h] (gate, then up projection) on
// CUDA, fp32 / fp16 / bf16: returns silu(gate) ⊙ up [..., h]; the gradient flows to gate_up.
#pragma once

#include <torch/torch.h>

namespace gatelab::variants {

torch::Tensor cuda_swiglu(const torch::Tensor& gate_up);

}  // namespace gatelab::variants
