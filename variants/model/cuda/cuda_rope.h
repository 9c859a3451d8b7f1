// The CUDA fast path of RoPE: an autograd function around the fused kernel (rope_kernels.cu). Same contract as
// reference_rope (variants/model/layers.h): x [B, T, H, D] on CUDA, D even, fp32 / fp16 / bf16; gradients flow to x.
#pragma once

#include <torch/torch.h>

namespace gatelab::variants {

torch::Tensor cuda_rope(const torch::Tensor& x, double theta, int64_t offset);

}  // namespace gatelab::variants
