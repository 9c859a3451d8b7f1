// Torch-free entry points of the chunkwise gated-linear-attention CUDA kernels (linear_attention_kernels.cu).
// They take raw device pointers, sizes and a stream; the thin binding (cuda_linear_attention.cpp) checks dtypes,
// shapes and devices, allocates outputs and workspaces, and wraps forward and backward in an autograd function.
//
// The recurrence (docs/RESEARCH.md 1.1, q already feature-mapped and scaled):
//   S_t = (exp(gk_t) ⊗ exp(gv_t)) ⊙ S_{t-1} + k_t^T v_t,   o_t = q_t S_t,   S_0 = initial state
// Layout: every token tensor is contiguous [B, T, H, D]; states are contiguous [B, H, K, V] fp32.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "variants/cuda_element_type.h"

namespace gatelab::cuda_kernels {

// Tokens per chunk. The state is stored once per chunk; within a chunk each thread block advances the state step
// by step in fp32 registers, so no exp() of a partial log-decay sum is ever formed and strong decays cannot
// overflow (see the design note in linear_attention_kernels.cu).
constexpr int kChunk = 64;
// Largest key (feature) head dimension; value dims are tiled and unbounded.
constexpr int kMaxKeyDim = 128;

struct LinearAttentionProblem {
  int B = 0, T = 0, H = 0, K = 0, V = 0;
  ElementType type = ElementType::f32;   // of q, k, v, o and do
  const void* q = nullptr;               // [B, T, H, K]
  const void* k = nullptr;               // [B, T, H, K]
  const void* v = nullptr;               // [B, T, H, V]
  const float* log_decay_k = nullptr;    // [B, T, H, K] fp32, <= 0; null: no key-side decay
  const float* log_decay_v = nullptr;    // [B, T, H, V] fp32, <= 0; null: no value-side decay
  const float* initial_state = nullptr;  // [B, H, K, V]; null: zeros
  // The tensor-core kernels read the key log-decays in the input type too (no fp32 copy): then log_decay_k points
  // to `type` data. Only set when uses_tensor_cores.
  bool log_decay_k_in_input_type = false;
  int n_chunks() const { return (T + kChunk - 1) / kChunk; }
};

// What the forward leaves for the backward.
struct ForwardSaved {
  float* chunk_states = nullptr;   // [B, H, NC, K, V] state entering each chunk (workspace in, saved out)
  float* chunk_decay_k = nullptr;  // [B, H, NC, K] sum of log_decay_k over each chunk (when log_decay_k)
  float* chunk_decay_v = nullptr;  // [B, H, NC, V] likewise (when log_decay_v)
  float* o_f32 = nullptr;          // [B, T, H, V] fp32 output (when log_decay_v: its gradient needs o exactly)
  void* intra_scores = nullptr;    // [B, H, NC, kChunk, kChunk] bf16 (tensor-core path, optional): the intra-chunk
                                   // attention A of every chunk, so the backward does not compute it again
};

// Which kernels serve a problem: fp16 / bf16 inputs without a value-side decay run on the tensor cores
// (tensor_core_kernels.cu, the matmul form); fp32 inputs (kept exact: the tensor cores would round them to bf16) and
// value-side (fast-decay) gates run the step-recurrence kernels (linear_attention_kernels.cu).
inline bool uses_tensor_cores(const LinearAttentionProblem& p) {
  return p.type != ElementType::f32 && p.log_decay_v == nullptr;
}

// o: [B, T, H, V] of `type`; final_state: [B, H, K, V] fp32.
void linear_attention_forward(const LinearAttentionProblem& p, void* o, float* final_state, const ForwardSaved& saved,
                              cudaStream_t stream);

struct BackwardGrads {
  float* dq = nullptr;               // [B, T, H, K] fp32, zero-filled by the caller (step kernels; the tensor-core
  float* dk = nullptr;               // path writes the input-type copies below and takes null here)
  float* dv = nullptr;               // [B, T, H, V] fp32
  float* d_log_decay_k = nullptr;    // [B, T, H, K] fp32 (when log_decay_k)
  float* d_log_decay_v = nullptr;    // [B, T, H, V] fp32 (when log_decay_v)
  float* d_initial_state = nullptr;  // [B, H, K, V] fp32; may be null
  // Tensor-core path only, each optional: the gradients also (dq, dk, d_log_decay_k) or only (dv: then dv is not
  // written) in the input type, so no cast kernels run after the backward.
  void* dq_input_type = nullptr;
  void* dk_input_type = nullptr;
  void* dv_input_type = nullptr;
  void* d_log_decay_k_input_type = nullptr;
  float* gate_totals =
      nullptr;  // [B, H, NC, K] fp32 scratch of the tensor-core path's gate gradient (when log_decay_k)
};

// d_o: [B, T, H, V] of `type`. d_final_state: [B, H, K, V] fp32 or null. final_row_term_k/v: the final state's
// share of the gate gradient, sum_j S_T[i,j] dS_T[i,j] ([B, H, K]) and sum_i ... ([B, H, V]), or null.
// workspace: [B, H, NC, K, V] fp32.
void linear_attention_backward(const LinearAttentionProblem& p, const void* d_o, const float* d_final_state,
                               const float* final_row_term_k, const float* final_row_term_v, const ForwardSaved& saved,
                               float* workspace, const BackwardGrads& grads, cudaStream_t stream);

}  // namespace gatelab::cuda_kernels
