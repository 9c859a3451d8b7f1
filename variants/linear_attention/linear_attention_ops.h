// The linear-attention recurrence and its implementations ("kernels"):
//   S_t = (exp(log_decay_k_t) ⊗ exp(log_decay_v_t)) ⊙ S_{t-1} + k_t^T v_t,   o_t = q_t S_t
// q and k are already feature-mapped (phi) and q already scaled. Decays are given in log space (<= 0) so every
// implementation, and the CUDA kernels, take the same inputs. The recurrent form is the spec.
#pragma once

#include <torch/torch.h>

#include <string>

#include "harness/util/registry.h"

namespace gatelab::variants {

struct LinearAttentionInputs {
  torch::Tensor q;              // [B, T, H, K]
  torch::Tensor k;              // [B, T, H, K]
  torch::Tensor v;              // [B, T, H, V]
  torch::Tensor log_decay_k;    // [B, T, H, K] log alpha <= 0 on the key rows; undefined: no decay
  torch::Tensor log_decay_v;    // [B, T, H, V] value-side log decay (fast-decay gate); undefined: none
  torch::Tensor initial_state;  // [B, H, K, V] fp32; undefined: zeros
  int64_t chunk_size = 64;      // chunkwise forms only
  int64_t sub_chunk_size = 16;  // chunkwise forms only
};

struct LinearAttentionOutputs {
  torch::Tensor o;            // [B, T, H, V], dtype of v
  torch::Tensor final_state;  // [B, H, K, V] fp32
};

// The plain step-by-step recurrence in fp32: the oracle every fast path is tested against.
LinearAttentionOutputs recurrent_linear_attention(const LinearAttentionInputs& in);

// The chunkwise parallel form in LibTorch (docs/RESEARCH.md 1.6): inter-chunk state passing, intra-chunk attention
// with 16x16 secondary chunks so that no exp() of a partial log-decay sum can overflow.
LinearAttentionOutputs chunked_linear_attention(const LinearAttentionInputs& in);

// A registered implementation. `available` says whether it can run on tensors of a device type (the CUDA kernel
// cannot run on CPU tensors).
struct LinearAttentionKernel {
  LinearAttentionOutputs (*run)(const LinearAttentionInputs&);
  bool (*available)(torch::DeviceType);
  int64_t max_key_dim;  // the largest K per head it takes; 0: any
};

const Registry<LinearAttentionKernel>& linear_attention_kernels();

// "auto" resolves to the fastest kernel available on the device that takes key_dim (K per head after the feature
// map): cuda on CUDA when built and K <= its limit (Based's Taylor map has 1 + f + f^2 features), else chunked.
const LinearAttentionKernel& resolve_linear_attention_kernel(const std::string& name, torch::DeviceType device,
                                                             int64_t key_dim = 0);

}  // namespace gatelab::variants
