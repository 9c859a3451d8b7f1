// Chunkwise gated linear attention on CUDA: forward and backward for every gate (key-side log-decays, optional
// value-side log-decays), fp32 / fp16 / bf16 inputs, fp32 state, optional initial state, final state, any T.
// Torch-free: raw pointers, sizes and a stream (the binding is cuda_linear_attention.cpp).
//
// Design (why it looks like this). The sequence is cut into chunks of kChunk = 64 tokens. Three kinds of pass:
//   1. per chunk, in parallel over (chunk, batch*head, value tile): advance a state step by step through the chunk
//      (from zero, to get the chunk's own contribution U_c; or from the true entering state, to produce outputs).
//      kShare adjacent threads own one column j of the state (KP / kShare rows each, fp32 registers); the readout
//      o_t[j] = sum_i q_t[i] S[i,j] is their partial sums added with a shuffle. q, k and exp(log-decay) of 16 steps
//      at a time are staged in shared memory and read as 128-bit broadcasts.
//   2. an inter-chunk scan, in parallel over the K*V state elements: S_{c+1} = exp(sum of the chunk's log-decays)
//      ⊙ S_c + U_c (and the same recurrence run backwards for the state gradient).
//   3. the backward mirrors 1: W_c (the chunk's own share of the entering state's gradient) backwards in time, the
//      reverse scan, dv (column layout) and dq, dk (row layout: threads own key rows) from the entering states and
//      the end-state gradients; the gate gradient uses the closed form of docs/RESEARCH.md 1.6: d log alpha_t = reverse
//      cumulative sum of (q ⊙ dq − k ⊙ dk) (value side: o ⊙ do − v ⊙ dv), plus the final state's share S_T ⊙ dS_T.
// Within a chunk the decay is applied one step at a time (a multiply by exp(log alpha_t) in (0, 1]), so no
// exp(+partial sum) is ever formed: log alpha = -20 per step, or 0, over any T is safe by construction. The work
// runs on the FMA units in exact fp32 arithmetic. These kernels serve fp32 inputs and value-side (fast-decay) gates;
// fp16 / bf16 inputs with key-side decays run the tensor-core matmul form (tensor_core_kernels.cu, 1.5x faster at the
// bench shapes); uses_tensor_cores() in the header decides. Measurements: NOTES.md beside this file.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <stdexcept>
#include <string>

#include "variants/linear_attention/cuda/linear_attention_kernels.h"
#include "variants/linear_attention/cuda/tensor_core_kernels.h"

namespace gatelab::cuda_kernels {

namespace {

constexpr int C = kChunk;
constexpr int kRowTile = 64;  // value columns per block in the row-layout (dq, dk) kernel

__device__ __forceinline__ float to_float(float x) { return x; }
__device__ __forceinline__ float to_float(__half x) { return __half2float(x); }
__device__ __forceinline__ float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }

template <typename T>
__device__ __forceinline__ T from_float(float x);
template <>
__device__ __forceinline__ float from_float<float>(float x) {
  return x;
}
template <>
__device__ __forceinline__ __half from_float<__half>(float x) {
  return __float2half_rn(x);
}
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float x) {
  return __float2bfloat16_rn(x);
}

void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess)
    throw std::runtime_error(std::string("CUDA linear attention: ") + what + ": " + cudaGetErrorString(err));
}

// Column-layout passes (one thread per state column j, all K rows in registers).
enum ColMode {
  kLocalState = 0,   // forward in time from S = 0: the chunk's own end state U_c, and the chunk's log-decay sums
  kOutput = 1,       // forward in time from the entering state: o_t
  kLocalDState = 2,  // backward in time from dS = 0: the chunk's own share W_c of the entering state's gradient
  kDv = 3,           // backward in time from the gradient of the chunk's end state: dv_t
};

struct ColArgs {
  int T, H, K, V, NC;
  const void* q;
  const void* k;
  const void* v;
  const void* d_o;
  const float* gk;        // [B, T, H, K] or null
  const float* gv;        // [B, T, H, V] or null
  const float* state_in;  // [B, H, NC, K, V]: entering states (kOutput) or end-state gradients (kDv)
  float* state_out;       // [B, H, NC, K, V]: U_c (kLocalState) or W_c (kLocalDState)
  float* chunk_decay_k;   // [B, H, NC, K] (kLocalState, when gk)
  float* chunk_decay_v;   // [B, H, NC, V] (kLocalState, when gv)
  void* o;                // [B, T, H, V] (kOutput)
  float* o32;             // [B, T, H, V] or null (kOutput)
  float* dv;              // [B, T, H, V] (kDv)
};

// Steps staged in shared memory at a time: small stages keep shared memory per block low (more resident warps to
// hide latency) and put every global load of a step's operands ahead of the arithmetic that uses it.
constexpr int SB = 16;

// kShare threads (adjacent lanes) share one state column, KP / kShare rows each: fewer registers per thread, so
// more resident warps to hide latency (the profile showed these passes latency-bound at ~25% of the FMA pipe with
// one thread per column); the readouts add the parts with shuffles. The parts' staged rows sit 16 bytes apart in
// bank terms (see staged_pos) so the group's broadcast loads do not conflict.
// Threads sharing one state vector (column pass: one column; row pass: one row). Measured on an H100 at
// B8 T2048 H16 D64 fwd+bwd: 1 -> 3.23 ms (register-bound occupancy), 2 -> 2.62 ms, 4 -> 3.15 ms (more shared-memory
// loads and shuffles per FMA).
constexpr int kShare = 2;

// Position of element i of a staged row whose kShare parts sit 16 bytes apart in bank terms.
template <int LEN>
__device__ __forceinline__ int staged_pos(int i) {
  return i + (i / (LEN / kShare)) * 4;
}

// Sum over the kShare adjacent lanes that share a state vector.
__device__ __forceinline__ float sum_over_share(float x) {
#pragma unroll
  for (int m = 1; m < kShare; m <<= 1) x += __shfl_xor_sync(0xffffffffu, x, m);
  return x;
}

template <typename T, int KP, int MODE>
__global__ void __launch_bounds__(256) column_pass(ColArgs a) {
  extern __shared__ __align__(16) float smem[];  // 16-byte aligned: 128-bit broadcast loads
  constexpr int KR = KP / kShare;                // rows per thread
  constexpr int RS = KP + 4 * kShare;            // staged row stride
  const int bd = blockDim.x, cols = bd / kShare;
  float* s_q = smem;             // [SB][RS]
  float* s_k = s_q + SB * RS;    // [SB][RS]
  float* s_e = s_k + SB * RS;    // [SB][RS] exp(gk)
  float* s_x = s_e + SB * RS;    // [SB][cols] the block's columns of v (forward) or do (backward)
  float* s_g = s_x + SB * cols;  // [SB][cols] the block's columns of gv
  constexpr bool kNeedsQ = MODE != kLocalState;
  constexpr bool kNeedsK = MODE != kLocalDState;
  constexpr bool kForward = MODE == kLocalState || MODE == kOutput;
  const int c = blockIdx.x, bh = blockIdx.y, b = bh / a.H, h = bh % a.H;
  const int t0 = c * C, n = min(C, a.T - t0);
  const T* q = static_cast<const T*>(a.q);
  const T* k = static_cast<const T*>(a.k);
  const T* x = static_cast<const T*>(kForward ? a.v : a.d_o);
  const bool has_gv = a.gv != nullptr;

  if (MODE == kLocalState && a.gk && blockIdx.z == 0) {
    for (int i = threadIdx.x; i < a.K; i += bd) {
      float sum = 0.f;
      for (int s = 0; s < n; ++s) sum += a.gk[((size_t)(b * a.T + t0 + s) * a.H + h) * a.K + i];
      a.chunk_decay_k[((size_t)bh * a.NC + c) * a.K + i] = sum;
    }
  }

  const int part = threadIdx.x % kShare, jl = threadIdx.x / kShare;
  const int j = blockIdx.z * cols + jl;
  const bool active = j < a.V;
  const int row0 = part * KR;                                        // first state row of this thread
  const int staged0 = part * (KR + 4);                               // where it sits in a staged row
  const size_t state_off = ((size_t)bh * a.NC + c) * a.K * a.V + j;  // + i * V
  float S[KR];
#pragma unroll
  for (int r = 0; r < KR; ++r)
    S[r] = ((MODE == kOutput || MODE == kDv) && active && row0 + r < a.K)
               ? a.state_in[state_off + (size_t)(row0 + r) * a.V]
               : 0.f;

  const size_t tok_stride = (size_t)a.H * a.V;
  float gv_sum = 0.f;
  const int n_sub = (n + SB - 1) / SB;
  for (int sub = 0; sub < n_sub; ++sub) {
    const int s0 = (kForward ? sub : n_sub - 1 - sub) * SB, m = min(SB, n - s0);
    __syncthreads();  // the previous stage is consumed
    for (int idx = threadIdx.x; idx < SB * KP; idx += bd) {
      const int s = idx / KP, i = idx % KP;
      const bool in = s < m && i < a.K;
      const size_t off = ((size_t)(b * a.T + t0 + s0 + s) * a.H + h) * a.K + i;
      const int pos = s * RS + staged_pos<KP>(i);
      if (kNeedsQ) s_q[pos] = in ? to_float(q[off]) : 0.f;
      if (kNeedsK) s_k[pos] = in ? to_float(k[off]) : 0.f;
      s_e[pos] = (in && a.gk) ? expf(a.gk[off]) : 1.f;
    }
    for (int idx = threadIdx.x; idx < SB * cols; idx += bd) {
      const int s = idx / cols, jj = idx % cols;
      const int col = blockIdx.z * cols + jj;
      const bool in = s < m && col < a.V;
      const size_t off = ((size_t)(b * a.T + t0 + s0 + s) * a.H + h) * a.V + col;
      s_x[idx] = in ? to_float(x[off]) : 0.f;
      s_g[idx] = (in && has_gv) ? a.gv[off] : 0.f;
    }
    __syncthreads();
    const size_t col0 = ((size_t)(b * a.T + t0 + s0) * a.H + h) * a.V + j;
    for (int step = 0; step < m; ++step) {
      const int s = kForward ? step : m - 1 - step;
      const size_t off = col0 + s * tok_stride;
      const float xv = s_x[s * cols + jl], g = s_g[s * cols + jl];
      const float ev = has_gv ? expf(g) : 1.f;
      gv_sum += g;
      const float* qs = s_q + s * RS + staged0;
      const float* ks = s_k + s * RS + staged0;
      const float* es = s_e + s * RS + staged0;
      if (kForward) {
        if (has_gv) {
#pragma unroll
          for (int r = 0; r < KR; ++r) S[r] = fmaf(S[r], es[r] * ev, ks[r] * xv);
        } else {
#pragma unroll
          for (int r = 0; r < KR; ++r) S[r] = fmaf(S[r], es[r], ks[r] * xv);
        }
        if (MODE == kOutput) {
          float acc0 = 0.f, acc1 = 0.f, acc2 = 0.f, acc3 = 0.f;
#pragma unroll
          for (int r = 0; r < KR; r += 4) {
            acc0 = fmaf(qs[r], S[r], acc0);
            acc1 = fmaf(qs[r + 1], S[r + 1], acc1);
            acc2 = fmaf(qs[r + 2], S[r + 2], acc2);
            acc3 = fmaf(qs[r + 3], S[r + 3], acc3);
          }
          float out = (acc0 + acc1) + (acc2 + acc3);
          out = sum_over_share(out);
          if (part == 0 && active) {
            static_cast<T*>(a.o)[off] = from_float<T>(out);
            if (a.o32) a.o32[off] = out;
          }
        }
      } else {
#pragma unroll
        for (int r = 0; r < KR; ++r) S[r] = fmaf(qs[r], xv, S[r]);
        if (MODE == kDv) {
          float acc0 = 0.f, acc1 = 0.f, acc2 = 0.f, acc3 = 0.f;
#pragma unroll
          for (int r = 0; r < KR; r += 4) {
            acc0 = fmaf(ks[r], S[r], acc0);
            acc1 = fmaf(ks[r + 1], S[r + 1], acc1);
            acc2 = fmaf(ks[r + 2], S[r + 2], acc2);
            acc3 = fmaf(ks[r + 3], S[r + 3], acc3);
          }
          float dv = (acc0 + acc1) + (acc2 + acc3);
          dv = sum_over_share(dv);
          if (part == 0 && active) a.dv[off] = dv;
        }
        if (has_gv) {
#pragma unroll
          for (int r = 0; r < KR; ++r) S[r] *= es[r] * ev;
        } else {
#pragma unroll
          for (int r = 0; r < KR; ++r) S[r] *= es[r];
        }
      }
    }
  }
  if (!active) return;
  if (MODE == kLocalState || MODE == kLocalDState) {
#pragma unroll
    for (int r = 0; r < KR; ++r)
      if (row0 + r < a.K) a.state_out[state_off + (size_t)(row0 + r) * a.V] = S[r];
  }
  if (MODE == kLocalState && has_gv && part == 0) a.chunk_decay_v[((size_t)bh * a.NC + c) * a.V + j] = gv_sum;
}

// Row-layout backward pass (one thread per key row i, a tile of kRowTile value columns in registers): dq_t[i] =
// sum_j S_t[i,j] do_t[j] forward in time from the entering state, then dk_t[i] = sum_j dS_t[i,j] v_t[j] backward in
// time from the end-state gradient. Value tiles add their partial sums with atomics when V > kRowTile.
struct RowArgs {
  int T, H, K, V, NC;
  const void* q;
  const void* k;
  const void* v;
  const void* d_o;
  const float* gk;
  const float* gv;
  const float* chunk_states;  // [B, H, NC, K, V] entering states
  const float* end_grads;     // [B, H, NC, K, V] gradient of each chunk's end state from later tokens
  float* dq;                  // [B, T, H, K]
  float* dk;                  // [B, T, H, K]
  bool accumulate;
};

// GV: whether there is a value-side decay (without one, exp(gv) = 1 is neither staged nor read).
// kShare threads (adjacent lanes) share one key row, kRowTile / kShare value columns each (as in the column pass);
// dq and dk add the parts with shuffles. Staged value rows put the parts 16 bytes apart in bank terms.
template <typename T, int KP, bool GV>
__global__ void __launch_bounds__(kShare* KP) row_pass(RowArgs a) {
  extern __shared__ __align__(16) float smem[];  // 16-byte aligned: 128-bit broadcast loads
  constexpr int VT = kRowTile;
  constexpr int VH = VT / kShare;      // columns per thread
  constexpr int RS = VT + 4 * kShare;  // staged row stride
  const int bd = blockDim.x;           // kShare * KP
  float* s_v = smem;                   // [SB][RS]
  float* s_do = s_v + SB * RS;         // [SB][RS]
  float* s_ev = s_do + SB * RS;        // [SB][RS] exp(gv)
  float* s_qk = s_ev + SB * RS;        // [SB][KP] k (forward sweep) or q (backward sweep) of every row
  float* s_eg = s_qk + SB * KP;        // [SB][KP] exp(gk) of every row
  const int c = blockIdx.x, bh = blockIdx.y, b = bh / a.H, h = bh % a.H;
  const int t0 = c * C, n = min(C, a.T - t0);
  const int j0 = blockIdx.z * VT;
  const int i = threadIdx.x / kShare, part = threadIdx.x % kShare;
  const bool active = i < a.K;
  const int jh = part * VH;             // first column of this thread within the tile
  const int staged0 = part * (VH + 4);  // where it sits in a staged row
  const T* v = static_cast<const T*>(a.v);
  const T* d_o = static_cast<const T*>(a.d_o);
  const size_t state_off = (((size_t)bh * a.NC + c) * a.K + i) * a.V + j0 + jh;
  const int n_sub = (n + SB - 1) / SB;
  float S[VH];

  // Stages steps [s0, s0 + m) of v, do, exp(gv) (shared by all rows) and every row's k or q and exp(gk).
  auto stage = [&](int s0, int m, const T* row_source) {
    __syncthreads();
    for (int idx = threadIdx.x; idx < SB * VT; idx += bd) {
      const int s = idx / VT, jj = idx % VT;
      const bool in = s < m && j0 + jj < a.V;
      const size_t off = ((size_t)(b * a.T + t0 + s0 + s) * a.H + h) * a.V + j0 + jj;
      const int pos = s * RS + staged_pos<VT>(jj);
      s_v[pos] = in ? to_float(v[off]) : 0.f;
      s_do[pos] = in ? to_float(d_o[off]) : 0.f;
      if (GV) s_ev[pos] = in ? expf(a.gv[off]) : 1.f;
    }
    for (int idx = threadIdx.x; idx < SB * KP; idx += bd) {
      const int s = idx / KP, ii = idx % KP;
      const bool in = s < m && ii < a.K;
      const size_t off = ((size_t)(b * a.T + t0 + s0 + s) * a.H + h) * a.K + ii;
      s_qk[idx] = in ? to_float(row_source[off]) : 0.f;
      s_eg[idx] = (in && a.gk) ? expf(a.gk[off]) : 1.f;
    }
    __syncthreads();
  };

  // dq, forward in time from the entering state.
#pragma unroll
  for (int jj = 0; jj < VH; ++jj) S[jj] = (active && j0 + jh + jj < a.V) ? a.chunk_states[state_off + jj] : 0.f;
  for (int sub = 0; sub < n_sub; ++sub) {
    const int s0 = sub * SB, m = min(SB, n - s0);
    stage(s0, m, static_cast<const T*>(a.k));
    for (int s = 0; s < m; ++s) {
      const float kk = s_qk[s * KP + (active ? i : 0)], e = s_eg[s * KP + (active ? i : 0)];
      const float* vs = s_v + s * RS + staged0;
      const float* dos = s_do + s * RS + staged0;
      const float* evs = s_ev + s * RS + staged0;
      float acc0 = 0.f, acc1 = 0.f, acc2 = 0.f, acc3 = 0.f;
#pragma unroll
      for (int jj = 0; jj < VH; jj += 4) {
        S[jj] = fmaf(S[jj], (GV ? e * evs[jj] : e), kk * vs[jj]);
        S[jj + 1] = fmaf(S[jj + 1], (GV ? e * evs[jj + 1] : e), kk * vs[jj + 1]);
        S[jj + 2] = fmaf(S[jj + 2], (GV ? e * evs[jj + 2] : e), kk * vs[jj + 2]);
        S[jj + 3] = fmaf(S[jj + 3], (GV ? e * evs[jj + 3] : e), kk * vs[jj + 3]);
        acc0 = fmaf(S[jj], dos[jj], acc0);
        acc1 = fmaf(S[jj + 1], dos[jj + 1], acc1);
        acc2 = fmaf(S[jj + 2], dos[jj + 2], acc2);
        acc3 = fmaf(S[jj + 3], dos[jj + 3], acc3);
      }
      float dq = (acc0 + acc1) + (acc2 + acc3);
      dq = sum_over_share(dq);
      if (part == 0 && active) {
        const size_t off = ((size_t)(b * a.T + t0 + s0 + s) * a.H + h) * a.K + i;
        if (a.accumulate) atomicAdd(a.dq + off, dq);
        else a.dq[off] = dq;
      }
    }
  }

  // dk, backward in time from the gradient of the chunk's end state.
#pragma unroll
  for (int jj = 0; jj < VH; ++jj) S[jj] = (active && j0 + jh + jj < a.V) ? a.end_grads[state_off + jj] : 0.f;
  for (int sub = n_sub - 1; sub >= 0; --sub) {
    const int s0 = sub * SB, m = min(SB, n - s0);
    stage(s0, m, static_cast<const T*>(a.q));
    for (int s = m - 1; s >= 0; --s) {
      const float qq = s_qk[s * KP + (active ? i : 0)], e = s_eg[s * KP + (active ? i : 0)];
      const float* vs = s_v + s * RS + staged0;
      const float* dos = s_do + s * RS + staged0;
      const float* evs = s_ev + s * RS + staged0;
      float acc0 = 0.f, acc1 = 0.f, acc2 = 0.f, acc3 = 0.f;
#pragma unroll
      for (int jj = 0; jj < VH; jj += 4) {
        S[jj] = fmaf(qq, dos[jj], S[jj]);
        S[jj + 1] = fmaf(qq, dos[jj + 1], S[jj + 1]);
        S[jj + 2] = fmaf(qq, dos[jj + 2], S[jj + 2]);
        S[jj + 3] = fmaf(qq, dos[jj + 3], S[jj + 3]);
        acc0 = fmaf(S[jj], vs[jj], acc0);
        acc1 = fmaf(S[jj + 1], vs[jj + 1], acc1);
        acc2 = fmaf(S[jj + 2], vs[jj + 2], acc2);
        acc3 = fmaf(S[jj + 3], vs[jj + 3], acc3);
        S[jj] *= (GV ? e * evs[jj] : e);
        S[jj + 1] *= (GV ? e * evs[jj + 1] : e);
        S[jj + 2] *= (GV ? e * evs[jj + 2] : e);
        S[jj + 3] *= (GV ? e * evs[jj + 3] : e);
      }
      float dk = (acc0 + acc1) + (acc2 + acc3);
      dk = sum_over_share(dk);
      if (part == 0 && active) {
        const size_t off = ((size_t)(b * a.T + t0 + s0 + s) * a.H + h) * a.K + i;
        if (a.accumulate) atomicAdd(a.dk + off, dk);
        else a.dk[off] = dk;
      }
    }
  }
}

// The inter-chunk recurrence over the K*V state elements, in place: buf[c] holds the chunk's own contribution on
// entry and the carried value on exit. Forward: S_c (state entering chunk c). Reverse: the gradient of chunk c's end
// state from later chunks. `carry` = exp(log-decay sums of the chunk) ⊙ carry + own contribution.
__global__ void chunk_scan(int BH, int NC, int K, int V, const float* decay_k, const float* decay_v, const float* init,
                           float* buf, float* last, bool reverse) {
  const size_t idx = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  const size_t per_head = (size_t)K * V;
  if (idx >= (size_t)BH * per_head) return;
  const int j = idx % V;
  const int i = (idx / V) % K;
  const size_t bh = idx / per_head;
  float carry = init ? init[idx] : 0.f;
  // Groups of kAhead chunks: all their loads are issued before the dependent chain of updates, so the memory
  // latency is paid once per group instead of once per chunk.
  constexpr int kAhead = 8;
  for (int group = 0; group < NC; group += kAhead) {
    float own[kAhead], decay[kAhead];
    size_t offs[kAhead];
#pragma unroll
    for (int u = 0; u < kAhead; ++u) {
      const int step = group + u;
      const int c = reverse ? NC - 1 - step : step;
      offs[u] = (bh * NC + c) * per_head + (size_t)i * V + j;
      own[u] = 0.f;
      float log_decay = 0.f;
      if (step < NC) {
        own[u] = buf[offs[u]];
        if (decay_k) log_decay += decay_k[(bh * NC + c) * K + i];
        if (decay_v) log_decay += decay_v[(bh * NC + c) * V + j];
      }
      decay[u] = expf(log_decay);
    }
#pragma unroll
    for (int u = 0; u < kAhead; ++u) {
      if (group + u >= NC) break;
      buf[offs[u]] = carry;
      carry = fmaf(decay[u], carry, own[u]);
    }
  }
  if (last) last[idx] = carry;
}

// Closed-form gate gradient: out_t = final_term + sum_{s >= t} (a_s * da_s - b_s * db_s), per (b, h, channel).
// Two passes, parallel over chunks: each chunk's own reverse cumulative sum and total, then the totals of later
// chunks (and the final state's share) added on.
template <typename T>
__global__ void gate_gradient_local(int B, int T_len, int H, int D, int NC, const T* a, const float* da, const T* b_,
                                    const float* db, float* out, float* totals) {
  const size_t idx = (size_t)blockIdx.x * blockDim.x + threadIdx.x;  // (bh, c, d), d fastest
  if (idx >= (size_t)B * H * NC * D) return;
  const int d = idx % D, c = (idx / D) % NC;
  const int bh = idx / ((size_t)D * NC), b = bh / H, h = bh % H;
  const int t0 = c * C, n = min(C, T_len - t0);
  const size_t stride = (size_t)H * D;
  const size_t first = ((size_t)(b * T_len + t0) * H + h) * D + d;
  float acc = 0.f;
#pragma unroll 8
  for (int s = n - 1; s >= 0; --s) {
    const size_t off = first + s * stride;
    acc += to_float(a[off]) * da[off] - to_float(b_[off]) * db[off];
    out[off] = acc;
  }
  totals[idx] = acc;
}

// out_typed (optional): the result in the input type, written instead of updating `out`.
template <typename T>
__global__ void gate_gradient_carry(int B, int T_len, int H, int D, int NC, const float* totals,
                                    const float* final_term, float* out, T* out_typed) {
  const size_t idx = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (idx >= (size_t)B * H * NC * D) return;
  const int d = idx % D, c = (idx / D) % NC;
  const int bh = idx / ((size_t)D * NC), b = bh / H, h = bh % H;
  float carry = final_term ? final_term[(size_t)bh * D + d] : 0.f;
  for (int later = c + 1; later < NC; ++later) carry += totals[((size_t)bh * NC + later) * D + d];
  const int t0 = c * C, n = min(C, T_len - t0);
  const size_t stride = (size_t)H * D;
  const size_t first = ((size_t)(b * T_len + t0) * H + h) * D + d;
  if (out_typed) {
#pragma unroll 8
    for (int s = 0; s < n; ++s) out_typed[first + s * stride] = from_float<T>(out[first + s * stride] + carry);
  } else {
#pragma unroll 8
    for (int s = 0; s < n; ++s) out[first + s * stride] += carry;
  }
}

template <typename T>
void launch_gate_gradient(const LinearAttentionProblem& p, int D, const T* a, const float* da, const T* b,
                          const float* db, const float* final_term, float* totals, float* out, cudaStream_t stream,
                          void* out_typed = nullptr) {
  const int NC = p.n_chunks();
  const size_t n = (size_t)p.B * p.H * NC * D;
  const int threads = 256;
  const unsigned blocks = (unsigned)((n + threads - 1) / threads);
  gate_gradient_local<T><<<blocks, threads, 0, stream>>>(p.B, p.T, p.H, D, NC, a, da, b, db, out, totals);
  check(cudaGetLastError(), "gate gradient launch");
  gate_gradient_carry<T>
      <<<blocks, threads, 0, stream>>>(p.B, p.T, p.H, D, NC, totals, final_term, out, static_cast<T*>(out_typed));
  check(cudaGetLastError(), "gate gradient carry launch");
}

ColArgs col_args(const LinearAttentionProblem& p) {
  ColArgs a{};
  a.T = p.T;
  a.H = p.H;
  a.K = p.K;
  a.V = p.V;
  a.NC = p.n_chunks();
  a.q = p.q;
  a.k = p.k;
  a.v = p.v;
  a.gk = p.log_decay_k;
  a.gv = p.log_decay_v;
  return a;
}

template <typename T, int KP, int MODE>
void launch_column(const LinearAttentionProblem& p, const ColArgs& a, cudaStream_t stream) {
  constexpr int kMaxCols = 256 / kShare, kColMultiple = 32 / kShare;  // whole warps, at most 256 threads
  const int cols = p.V >= kMaxCols ? kMaxCols : ((p.V + kColMultiple - 1) / kColMultiple) * kColMultiple;
  const int threads = kShare * cols;
  const dim3 grid(p.n_chunks(), p.B * p.H, (p.V + cols - 1) / cols);
  const size_t smem = (3 * SB * (KP + 4 * kShare) + 2 * SB * cols) * sizeof(float);
  auto kernel = column_pass<T, KP, MODE>;
  check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem), "shared memory limit");
  kernel<<<grid, threads, smem, stream>>>(a);
  check(cudaGetLastError(), "column pass launch");
}

template <typename T, int KP>
void launch_row(const LinearAttentionProblem& p, const RowArgs& a, cudaStream_t stream) {
  const dim3 grid(p.n_chunks(), p.B * p.H, (p.V + kRowTile - 1) / kRowTile);
  const size_t smem = (3 * SB * (kRowTile + 4 * kShare) + 2 * SB * KP) * sizeof(float);
  auto kernel = p.log_decay_v ? row_pass<T, KP, true> : row_pass<T, KP, false>;
  check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem), "shared memory limit");
  kernel<<<grid, kShare * KP, smem, stream>>>(a);
  check(cudaGetLastError(), "row pass launch");
}

void launch_scan(const LinearAttentionProblem& p, const float* decay_k, const float* decay_v, const float* init,
                 float* buf, float* last, bool reverse, cudaStream_t stream) {
  const size_t n = (size_t)p.B * p.H * p.K * p.V;
  const int threads = 256;
  chunk_scan<<<(unsigned)((n + threads - 1) / threads), threads, 0, stream>>>(
      p.B * p.H, p.n_chunks(), p.K, p.V, decay_k, decay_v, init, buf, last, reverse);
  check(cudaGetLastError(), "chunk scan launch");
}

TensorCoreArgs tensor_core_args(const LinearAttentionProblem& p) {
  TensorCoreArgs a;
  a.T = p.T;
  a.H = p.H;
  a.K = p.K;
  a.V = p.V;
  a.NC = p.n_chunks();
  a.q = p.q;
  a.k = p.k;
  a.v = p.v;
  a.gk = p.log_decay_k;
  a.gk_in_input_type = p.log_decay_k_in_input_type;
  return a;
}

void forward_tensor_cores(const LinearAttentionProblem& p, void* o, float* final_state, const ForwardSaved& saved,
                          cudaStream_t stream) {
  const bool bf16_inputs = p.type == ElementType::bf16;
  TensorCoreArgs local = tensor_core_args(p);
  local.state_out = saved.chunk_states;
  local.chunk_decay_k = saved.chunk_decay_k;
  tensor_core_local_states(local, p.B, bf16_inputs, stream);
  launch_scan(p, p.log_decay_k ? saved.chunk_decay_k : nullptr, nullptr, p.initial_state, saved.chunk_states,
              final_state, /*reverse=*/false, stream);
  TensorCoreArgs out = tensor_core_args(p);
  out.state_in = saved.chunk_states;
  out.o = o;
  out.scores_out = saved.intra_scores;
  tensor_core_outputs(out, p.B, bf16_inputs, stream);
}

void backward_tensor_cores(const LinearAttentionProblem& p, const void* d_o, const float* d_final_state,
                           const float* final_row_term_k, const ForwardSaved& saved, float* workspace,
                           const BackwardGrads& g, cudaStream_t stream) {
  const bool bf16_inputs = p.type == ElementType::bf16;
  TensorCoreArgs local = tensor_core_args(p);
  local.d_o = d_o;
  local.state_out = workspace;
  tensor_core_local_state_grads(local, p.B, bf16_inputs, stream);
  launch_scan(p, p.log_decay_k ? saved.chunk_decay_k : nullptr, nullptr, d_final_state, workspace, g.d_initial_state,
              /*reverse=*/true, stream);
  TensorCoreArgs grads = tensor_core_args(p);
  grads.d_o = d_o;
  grads.state_in = saved.chunk_states;
  grads.end_grads = workspace;
  grads.scores_in = saved.intra_scores;
  grads.dq = g.dq;
  grads.dk = g.dk;
  grads.dv = g.dv;
  grads.dq_input_type = g.dq_input_type;
  grads.dk_input_type = g.dk_input_type;
  grads.dv_input_type = g.dv_input_type;
  if (p.log_decay_k) {
    grads.gate_local = g.d_log_decay_k;
    grads.gate_totals = g.gate_totals;
  }
  tensor_core_input_grads(grads, p.B, bf16_inputs, stream);
}

template <typename T, int KP>
void forward_typed(const LinearAttentionProblem& p, void* o, float* final_state, const ForwardSaved& saved,
                   cudaStream_t stream) {
  if (uses_tensor_cores(p)) {
    forward_tensor_cores(p, o, final_state, saved, stream);
    return;
  }
  ColArgs local = col_args(p);
  local.state_out = saved.chunk_states;
  local.chunk_decay_k = saved.chunk_decay_k;
  local.chunk_decay_v = saved.chunk_decay_v;
  launch_column<T, KP, kLocalState>(p, local, stream);
  launch_scan(p, p.log_decay_k ? saved.chunk_decay_k : nullptr, p.log_decay_v ? saved.chunk_decay_v : nullptr,
              p.initial_state, saved.chunk_states, final_state, /*reverse=*/false, stream);
  ColArgs out = col_args(p);
  out.state_in = saved.chunk_states;
  out.o = o;
  out.o32 = saved.o_f32;
  launch_column<T, KP, kOutput>(p, out, stream);
}

template <typename T, int KP>
void backward_typed(const LinearAttentionProblem& p, const void* d_o, const float* d_final_state,
                    const float* final_row_term_k, const float* final_row_term_v, const ForwardSaved& saved,
                    float* workspace, const BackwardGrads& g, cudaStream_t stream) {
  if (uses_tensor_cores(p)) {
    backward_tensor_cores(p, d_o, d_final_state, final_row_term_k, saved, workspace, g, stream);
    // The backward pass left each chunk's reverse sums and totals; the carry adds the later chunks' totals.
    if (p.log_decay_k) {
      const size_t n = (size_t)p.B * p.H * p.n_chunks() * p.K;
      const int threads = 256;
      gate_gradient_carry<T><<<(unsigned)((n + threads - 1) / threads), threads, 0, stream>>>(
          p.B, p.T, p.H, p.K, p.n_chunks(), g.gate_totals, final_row_term_k, g.d_log_decay_k,
          static_cast<T*>(g.d_log_decay_k_input_type));
      check(cudaGetLastError(), "gate gradient carry launch");
    }
    return;
  }
  ColArgs local = col_args(p);
  local.d_o = d_o;
  local.state_out = workspace;
  launch_column<T, KP, kLocalDState>(p, local, stream);
  launch_scan(p, p.log_decay_k ? saved.chunk_decay_k : nullptr, p.log_decay_v ? saved.chunk_decay_v : nullptr,
              d_final_state, workspace, g.d_initial_state, /*reverse=*/true, stream);
  ColArgs dv = col_args(p);
  dv.d_o = d_o;
  dv.state_in = workspace;
  dv.dv = g.dv;
  launch_column<T, KP, kDv>(p, dv, stream);

  RowArgs r{};
  r.T = p.T;
  r.H = p.H;
  r.K = p.K;
  r.V = p.V;
  r.NC = p.n_chunks();
  r.q = p.q;
  r.k = p.k;
  r.v = p.v;
  r.d_o = d_o;
  r.gk = p.log_decay_k;
  r.gv = p.log_decay_v;
  r.chunk_states = saved.chunk_states;
  r.end_grads = workspace;
  r.dq = g.dq;
  r.dk = g.dk;
  r.accumulate = p.V > kRowTile;
  launch_row<T, KP>(p, r, stream);

  // The workspace (end-state gradients) is free again once the row pass is done: it holds the chunk totals now.
  if (p.log_decay_k)
    launch_gate_gradient<T>(p, p.K, static_cast<const T*>(p.q), g.dq, static_cast<const T*>(p.k), g.dk,
                            final_row_term_k, workspace, g.d_log_decay_k, stream);
  if (p.log_decay_v)
    launch_gate_gradient<T>(p, p.V, static_cast<const T*>(d_o), saved.o_f32, static_cast<const T*>(p.v), g.dv,
                            final_row_term_v, workspace, g.d_log_decay_v, stream);
}

void validate(const LinearAttentionProblem& p) {
  if (p.B < 1 || p.T < 1 || p.H < 1 || p.K < 1 || p.V < 1)
    throw std::invalid_argument("CUDA linear attention: every size must be >= 1");
  if (p.K > kMaxKeyDim)
    throw std::invalid_argument("CUDA linear attention: key head dim " + std::to_string(p.K) + " > " +
                                std::to_string(kMaxKeyDim));
}

template <typename F>
void dispatch(const LinearAttentionProblem& p, F&& body) {
  validate(p);
  auto by_key_dim = [&](auto type_tag) {
    using T = decltype(type_tag);
    if (p.K <= 64) body(T{}, std::integral_constant<int, 64>{});
    else body(T{}, std::integral_constant<int, 128>{});
  };
  switch (p.type) {
    case ElementType::f32: by_key_dim(float{}); break;
    case ElementType::f16: by_key_dim(__half{}); break;
    case ElementType::bf16: by_key_dim(__nv_bfloat16{}); break;
  }
}

}  // namespace

void linear_attention_forward(const LinearAttentionProblem& p, void* o, float* final_state, const ForwardSaved& saved,
                              cudaStream_t stream) {
  dispatch(p, [&](auto type_tag, auto kp) {
    forward_typed<decltype(type_tag), decltype(kp)::value>(p, o, final_state, saved, stream);
  });
}

void linear_attention_backward(const LinearAttentionProblem& p, const void* d_o, const float* d_final_state,
                               const float* final_row_term_k, const float* final_row_term_v, const ForwardSaved& saved,
                               float* workspace, const BackwardGrads& grads, cudaStream_t stream) {
  dispatch(p, [&](auto type_tag, auto kp) {
    backward_typed<decltype(type_tag), decltype(kp)::value>(p, d_o, d_final_state, final_row_term_k, final_row_term_v,
                                                            saved, workspace, grads, stream);
  });
}

}  // namespace gatelab::cuda_kernels
