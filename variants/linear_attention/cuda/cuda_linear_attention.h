// The CUDA fast path of linear attention: a torch autograd function around the torch-free chunkwise kernels of
// linear_attention_kernels.cu (forward and backward, every gate, fp32 / fp16 / bf16, initial and final state).
#pragma once

#include "variants/linear_attention/linear_attention_ops.h"

namespace gatelab::variants {

// Same contract as recurrent_linear_attention (linear_attention_ops.h): q [B, T, H, K] (feature-mapped, scaled),
// k [B, T, H, K], v [B, T, H, V], optional log-decays and initial state; returns o [B, T, H, V] in v's dtype and
// the fp32 final state. Gradients flow to q, k, v, both log-decays and the initial state. Needs CUDA tensors,
// K <= 128. chunk_size / sub_chunk_size are ignored: the kernels use their own chunk of 64 steps.
LinearAttentionOutputs cuda_linear_attention(const LinearAttentionInputs& in);

// The largest K per head the kernels take (auto falls back to chunked above it).
int64_t cuda_linear_attention_max_key_dim();

}  // namespace gatelab::variants
