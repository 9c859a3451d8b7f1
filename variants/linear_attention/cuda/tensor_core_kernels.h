// Torch-free entry points of the tensor-core chunkwise kernels (tensor_core_kernels.cu): fp16 / bf16 inputs,
// key-side log-decays only. linear_attention_kernels.cu decides when they run (uses_tensor_cores) and does the
// inter-chunk scans and the gate gradient, which both paths share.
#pragma once

#include <cuda_runtime.h>

#include "variants/linear_attention/cuda/linear_attention_kernels.h"

namespace gatelab::cuda_kernels {

// Pointers of one call; token tensors are [B, T, H, D] of the input type, states [B, H, NC, K, V] fp32.
struct TensorCoreArgs {
  int T = 0, H = 0, K = 0, V = 0, NC = 0;
  const void* q = nullptr;
  const void* k = nullptr;
  const void* v = nullptr;
  const void* d_o = nullptr;
  const float* gk = nullptr;         // [B, T, H, K] fp32 or null (no decay)
  bool gk_in_input_type = false;     // gk points to input-type data instead
  const float* state_in = nullptr;   // entering states (outputs, input gradients)
  const float* end_grads = nullptr;  // gradients of the chunk end states (input gradients)
  float* state_out = nullptr;        // U_c or W_c (local states)
  float* chunk_decay_k = nullptr;    // [B, H, NC, K] (local states, when gk)
  void* o = nullptr;                 // [B, T, H, V] input type (outputs)
  void* scores_out = nullptr;        // [B, H, NC, C, C] bf16: the intra-chunk A (outputs write it; optional)
  const void* scores_in = nullptr;   // the same, read by the input gradients (null: computed again)
  float* dq = nullptr;               // [B, T, H, K] fp32 (input gradients; every element is written), optional
  float* dk = nullptr;               // [B, T, H, K] fp32, optional
  float* gate_local = nullptr;       // [B, T, H, K] within-chunk reverse sums of q ⊙ dq − k ⊙ dk (when gk)
  float* gate_totals = nullptr;      // [B, H, NC, K] their chunk totals
  float* dv = nullptr;               // [B, T, H, V] fp32 (when dv_input_type is null)
  void* dq_input_type = nullptr;     // optional copies of dq, dk in the input type
  void* dk_input_type = nullptr;
  void* dv_input_type = nullptr;  // dv in the input type instead of fp32
};

// U_c = (K ⊙ e^{B−b})^T V per chunk into state_out, and the chunk log-decay sums.
void tensor_core_local_states(const TensorCoreArgs& a, int B, bool bf16_inputs, cudaStream_t stream);
// W_c = (Q ⊙ e^{b})^T dO per chunk into state_out.
void tensor_core_local_state_grads(const TensorCoreArgs& a, int B, bool bf16_inputs, cudaStream_t stream);
// o from the entering states.
void tensor_core_outputs(const TensorCoreArgs& a, int B, bool bf16_inputs, cudaStream_t stream);
// dq, dk, dv from the entering states and the end-state gradients.
void tensor_core_input_grads(const TensorCoreArgs& a, int B, bool bf16_inputs, cudaStream_t stream);

}  // namespace gatelab::cuda_kernels
