// The recurrent form (docs/RESEARCH.md 1.1), step by step in fp32. This is the spec: never optimize it.
#include "variants/linear_attention/linear_attention_ops.h"

namespace gatelab::variants {

LinearAttentionOutputs recurrent_linear_attention(const LinearAttentionInputs& in) {
  auto q = in.q.to(torch::kFloat32);  // [B, T, H, K]
  auto k = in.k.to(torch::kFloat32);  // [B, T, H, K]
  auto v = in.v.to(torch::kFloat32);  // [B, T, H, V]
  const int64_t B = q.size(0), T = q.size(1), H = q.size(2), K = q.size(3), V = v.size(3);
  torch::Tensor state = in.initial_state.defined() ? in.initial_state.to(torch::kFloat32)
                                                   : torch::zeros({B, H, K, V}, q.options());  // [B, H, K, V]
  std::vector<torch::Tensor> outputs;
  outputs.reserve(T);
  for (int64_t t = 0; t < T; ++t) {
    if (in.log_decay_k.defined())
      state = state * in.log_decay_k.select(1, t).to(torch::kFloat32).exp().unsqueeze(-1);  // [B, H, K, 1]
    if (in.log_decay_v.defined())
      state = state * in.log_decay_v.select(1, t).to(torch::kFloat32).exp().unsqueeze(-2);  // [B, H, 1, V]
    state = state + k.select(1, t).unsqueeze(-1) * v.select(1, t).unsqueeze(-2);            // k_t^T v_t
    outputs.push_back(torch::matmul(q.select(1, t).unsqueeze(-2), state).squeeze(-2));      // [B, H, V]
  }
  auto o = torch::stack(outputs, 1);  // [B, T, H, V]
  return {o.to(in.v.scalar_type()), state};
}

}  // namespace gatelab::variants
