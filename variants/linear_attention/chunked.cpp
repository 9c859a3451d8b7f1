// The chunkwise parallel form (docs/RESEARCH.md 1.6) in LibTorch, fp32. Differentiable by autograd; the CUDA kernel
// implements the same math with hand-written gradients, and both are tested against recurrent.cpp.
//
// Inside a chunk, b_t = sum_{s<=t} log alpha_s (non-increasing). A factor e^{b_t - b_s} (s <= t) is <= 1, but the
// split e^{b_t} * e^{-b_s} overflows when decays are strong (log alpha = -20 over 64 steps is e^{1280}). So the chunk
// is cut into sub-chunks: for sub-chunk pairs j < i the split is taken around r_i, b at the start of sub-chunk i,
// giving e^{b_t - r_i} <= 1 and e^{r_i - b_s} <= 1; diagonal sub-chunks are computed elementwise from b_t - b_s.
#include "harness/util/errors.h"
#include "variants/linear_attention/linear_attention_ops.h"

namespace gatelab::variants {

namespace {

namespace F = torch::nn::functional;

// [B, T, H, X] -> [B, H, N, C, X], zero-padded to N*C positions. Zero keys/values and zero log-decays in the
// padding leave the state unchanged, so the final state is exact.
torch::Tensor to_chunks(const torch::Tensor& x, int64_t chunk) {
  const int64_t T = x.size(1);
  const int64_t padded = (T + chunk - 1) / chunk * chunk;
  auto y = x.to(torch::kFloat32);
  if (padded != T) y = F::pad(y, F::PadFuncOptions({0, 0, 0, 0, 0, padded - T}));
  return y.view({y.size(0), padded / chunk, chunk, y.size(2), y.size(3)}).permute({0, 3, 1, 2, 4});
}

// Intra-chunk output sum_{s <= t in chunk} (q_t . (k_s ⊙ e^{b_t - b_s})) e^{d_t - d_s} ⊙ v_s, with sub-chunks.
// q, k, b: [B, H, N, C, K]; v, d: [B, H, N, C, V] (d undefined: no value-side decay).
torch::Tensor intra_chunk(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                          const torch::Tensor& b, const torch::Tensor& d, int64_t sub) {
  const int64_t B = q.size(0), H = q.size(1), N = q.size(2), C = q.size(3), K = q.size(4), V = v.size(4);
  const int64_t n = C / sub;
  auto split = [&](const torch::Tensor& x) { return x.reshape({B, H, N, n, sub, x.size(4)}); };
  auto qs = split(q), ks = split(k), vs = split(v), bs = split(b);  // [B, H, N, n, S, X]
  auto ref = bs.narrow(4, 0, 1);                                    // [B, H, N, n, 1, K]  r_i

  // Off-diagonal sub-chunk pairs (i > j). The exponent is clamped at 0 so that pairs j >= i, which are masked
  // out, cannot overflow into inf * 0 = NaN; for the kept pairs it is already <= 0.
  auto q_hat = qs * (bs - ref).exp();                                                      // [B, H, N, n_i, S, K]
  auto k_hat = ks.unsqueeze(3) * (ref.unsqueeze(4) - bs.unsqueeze(3)).clamp_max(0).exp();  // [B, H, N, n_i, n_j, S, K]
  auto scores = torch::matmul(q_hat.unsqueeze(4), k_hat.transpose(-1, -2));                // [B, H, N, n_i, n_j, S, S]
  auto below = torch::ones({n, n}, q.options().dtype(torch::kBool)).tril(-1).view({1, 1, 1, n, n, 1, 1});
  scores = scores.masked_fill(below.logical_not(), 0.0);

  // Diagonal sub-chunks: e^{b_t - b_s} elementwise over K for s <= t.
  auto causal = torch::ones({sub, sub}, q.options().dtype(torch::kBool)).tril().view({1, 1, 1, 1, sub, sub, 1});
  auto diff = (bs.unsqueeze(5) - bs.unsqueeze(4)).masked_fill(causal.logical_not(), -INFINITY);  // [.., S_t, S_s, K]
  auto diag = (qs.unsqueeze(5) * ks.unsqueeze(4) * diff.exp()).sum(-1);                          // [B, H, N, n, S, S]

  torch::Tensor out;  // [B, H, N, n, S, V]
  if (!d.defined()) {
    auto off = torch::matmul(scores, vs.unsqueeze(3)).sum(4);  // sum over j of A_ij v_j
    out = off + torch::matmul(diag, vs);
  } else {
    auto ds = split(d);                                                                        // [B, H, N, n, S, V]
    auto ref_v = ds.narrow(4, 0, 1);                                                           // [B, H, N, n, 1, V]
    auto v_hat = vs.unsqueeze(3) * (ref_v.unsqueeze(4) - ds.unsqueeze(3)).clamp_max(0).exp();  // [.., n_i, n_j, S, V]
    auto off = torch::matmul(scores, v_hat).sum(4) * (ds - ref_v).exp();
    auto diff_v = (ds.unsqueeze(5) - ds.unsqueeze(4)).masked_fill(causal.logical_not(), -INFINITY);  // [.., S, S, V]
    auto on = (diag.unsqueeze(-1) * diff_v.exp() * vs.unsqueeze(4)).sum(5);
    out = off + on;
  }
  (void)K;
  (void)V;
  return out.reshape({B, H, N, C, v.size(4)});
}

}  // namespace

LinearAttentionOutputs chunked_linear_attention(const LinearAttentionInputs& in) {
  const int64_t C = in.chunk_size, S = in.sub_chunk_size;
  if (C <= 0 || S <= 0 || C % S != 0) throw Error("chunked linear attention: sub_chunk_size must divide chunk_size");
  const int64_t B = in.q.size(0), T = in.q.size(1), H = in.q.size(2), K = in.q.size(3), V = in.v.size(3);
  auto q = to_chunks(in.q, C), k = to_chunks(in.k, C), v = to_chunks(in.v, C);  // [B, H, N, C, X]
  const int64_t N = q.size(2);
  auto b = in.log_decay_k.defined() ? to_chunks(in.log_decay_k, C).cumsum(3) : torch::zeros_like(q);  // [B, H, N, C, K]
  torch::Tensor d;                                                                                    // [B, H, N, C, V]
  if (in.log_decay_v.defined()) d = to_chunks(in.log_decay_v, C).cumsum(3);

  auto o_intra = intra_chunk(q, k, v, b, d, S);  // [B, H, N, C, V]

  // Inter-chunk: carry the state across chunks.
  auto b_end = b.narrow(3, C - 1, 1);  // [B, H, N, 1, K]
  auto q_in = q * b.exp();             // decay from the chunk start to t
  auto k_out = k * (b_end - b).exp();  // decay from s to the chunk end
  torch::Tensor v_out = v, d_end;
  if (d.defined()) {
    d_end = d.narrow(3, C - 1, 1);
    v_out = v * (d_end - d).exp();
  }
  torch::Tensor state = in.initial_state.defined() ? in.initial_state.to(torch::kFloat32)
                                                   : torch::zeros({B, H, K, V}, q.options());  // [B, H, K, V]
  std::vector<torch::Tensor> o_inter;
  o_inter.reserve(N);
  for (int64_t c = 0; c < N; ++c) {
    auto o_c = torch::matmul(q_in.select(2, c), state);  // [B, H, C, V]
    if (d.defined()) o_c = o_c * d.select(2, c).exp();
    o_inter.push_back(o_c);
    auto decay = b_end.select(2, c).squeeze(2).exp().unsqueeze(-1);  // [B, H, K, 1]
    state = state * decay;
    if (d.defined()) state = state * d_end.select(2, c).exp();  // [B, H, 1, V]
    state = state + torch::matmul(k_out.select(2, c).transpose(-1, -2), v_out.select(2, c));
  }
  auto o = torch::stack(o_inter, 2) + o_intra;  // [B, H, N, C, V]
  o = o.permute({0, 2, 3, 1, 4}).reshape({B, N * C, H, V}).narrow(1, 0, T);
  return {o.to(in.v.scalar_type()), state};
}

}  // namespace gatelab::variants
