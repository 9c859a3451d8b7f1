// Chunkwise gated linear attention on the tensor cores: the matmul form of docs/RESEARCH.md 1.6 for fp16 / bf16 inputs
// with key-side log-decays (no gate, fixed, scalar, GLA and refining gates). Torch-free; entry points in
// tensor_core_kernels.h, called by linear_attention_kernels.cu, which keeps the step-recurrence kernels for fp32
// inputs and value-side (fast-decay) gates.
//
// Per chunk of C = 64 tokens, with b_t = sum of log-decays from the chunk start to t (inclusive), B = b at the chunk
// end, S_in the state entering the chunk and dS_end the gradient of the state leaving it:
//   forward    U_c  = (K ⊙ e^{B−b})^T V                         chunk's own end state        (state_pass, kLocalState)
//              S_in = scan over chunks (chunk_scan, shared with the step-recurrence path)
//              O    = (Q ⊙ e^{b}) S_in + A V                     A[t,s] = Σ_i q_ti k_si e^{b_ti − b_si}, s ≤ t
//   backward   W_c  = (Q ⊙ e^{b})^T dO                          chunk's share of dS_in        (state_pass,
//   kLocalDState)
//              dS_end = reverse scan over chunks
//              dV   = A^T dO + (K ⊙ e^{B−b}) dS_end
//              dA   = dO V^T (s ≤ t)
//              dQ   = (dO S_in^T) ⊙ e^{b} + Σ_s dA_ts k_s e^{b_t − b_s}
//              dK   = (V dS_end^T) ⊙ e^{B−b} + Σ_t dA_ts q_t e^{b_t − b_s}
//   (the gate gradient is the closed form over dq, dk, in linear_attention_kernels.cu.)
// Every exponent fed to a matmul operand is <= 0, so nothing overflows: e^{b} and e^{B−b} are in (0, 1]; the
// intra-chunk terms use 16-token sub-blocks. An off-diagonal sub-block (rows in sub-block I, columns in J < I) splits
// e^{b_t − b_s} at a reference r between them (b_t − r <= 0, r − b_s <= 0), making it a plain matmul of bounded
// factors; the 16×16 diagonal sub-blocks are computed elementwise in fp32 from b_t − b_s directly.
//
// Operands are rounded to bf16 in shared memory (fp16 inputs too: bf16's range holds states that grow without decay
// over long sequences); accumulation is fp32 (WMMA 16×16×16). Tiles: the key dim padded to KP (64 or 128), value
// tiles of 64 columns (32 in the backward pass at KP = 64: BackwardTiles). Shared-memory rows are padded by 8 bf16 /
// 4 fp32 elements against bank conflicts while keeping every 16×16 tile 32-byte aligned, as WMMA needs (the
// backward's fp32 dA / dq / dk at KP = 64 are not padded, to fit two blocks per SM).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <mma.h>

#include <stdexcept>
#include <string>
#include <type_traits>

#include "variants/linear_attention/cuda/tensor_core_kernels.h"

namespace gatelab::cuda_kernels {

namespace {

using bf16 = __nv_bfloat16;
namespace wmma = nvcuda::wmma;

constexpr int C = kChunk;  // 64
constexpr int SUB = 16;    // sub-block (and WMMA tile) size
constexpr int VT = 64;     // value columns per tile
constexpr int kPadH = 8;   // bf16 row padding
constexpr int kPadF = 4;   // fp32 row padding
// Two blocks per SM for the output and backward passes (NOTES.md, "Two blocks per SM"): test_gpu passed with it on
// (H100), but it has not been timed, so it is off. Off, every kernel is the measured version of the tables.
constexpr bool kTwoBlocksPerSm = false;

// Threads per block. Shared memory allows 1-4 blocks per SM, so wide blocks are what keeps enough warps resident to
// hide shared-memory and exp latency in the elementwise phases (ncu at 128 / 256 threads: 12% of warps active).
// With two blocks per SM the output pass runs 512 threads (32 resident warps at KP = 64): at 256 threads it had 24%
// of warps active, and its phases between barriers idled the SM.
constexpr int kStateThreads = 256, kOutputThreads = kTwoBlocksPerSm ? 512 : 256, kBackwardThreads = 512;
// Minimum resident blocks for __launch_bounds__; 0 leaves it unset, the register allocation of the measured kernels.
constexpr int kOutputBlocksPerSm = kTwoBlocksPerSm ? 2 : 0;

// The backward pass at KP = 64, two blocks per SM: value tiles of 32 columns and unpadded fp32 dA / dq / dk buffers
// bring its shared memory from 141 KB to 111 KB, so two 512-thread blocks share an SM and one block's loads and
// barriers overlap the other's work (with one block per SM, ncu put its stalls in global loads and barriers). At
// KP = 128 (217 KB) one block is all that fits, and the 64-column tiles stay.
template <int KP>
struct BackwardTiles {
  static constexpr bool two_blocks = kTwoBlocksPerSm && KP <= 64;
  static constexpr int value_cols = two_blocks ? 32 : VT;
  static constexpr int fp32_pad = two_blocks ? 0 : kPadF;   // row padding of the fp32 dA, dq and dk buffers
  static constexpr int blocks_per_sm = two_blocks ? 2 : 0;  // as kOutputBlocksPerSm
};

// Row stride of the fp32 cumulative log-decays: KP + 1, so that threads reading one channel of different rows
// (the elementwise diagonal sub-blocks) hit different banks. No WMMA reads it.
template <int KP>
__host__ __device__ constexpr int beta_ld() {
  return KP + 1;
}

__device__ __forceinline__ float to_float(__half x) { return __half2float(x); }
__device__ __forceinline__ float to_float(bf16 x) { return __bfloat162float(x); }

template <typename T>
__device__ __forceinline__ T from_float(float x);
template <>
__device__ __forceinline__ __half from_float<__half>(float x) {
  return __float2half_rn(x);
}
template <>
__device__ __forceinline__ bf16 from_float<bf16>(float x) {
  return __float2bfloat16_rn(x);
}

void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess)
    throw std::runtime_error(std::string("CUDA linear attention (tensor cores): ") + what + ": " +
                             cudaGetErrorString(err));
}

// Shared-memory bump allocator (byte offsets rounded up to 128 bytes: every buffer starts 32-byte aligned).
struct SmemLayout {
  size_t bytes = 0;
  __host__ __device__ constexpr size_t take(size_t n) {
    const size_t at = bytes;
    bytes += (n + 127) / 128 * 128;
    return at;
  }
};

// C[M, N] (+)= A[M, Kd] · B[Kd, N] on the block's warps, every operand in shared memory; M, N, Kd multiples of 16.
// Layouts follow WMMA: row_major A: element (m, k) at A[m * lda + k]; col_major A: at A[k * lda + m];
// row_major B: element (k, n) at B[k * ldb + n]; col_major B: at B[n * ldb + k]. The caller synchronizes.
// first_warp: the warp that takes the first tile, so that two small products in one phase use different warps.
template <typename LayoutA, typename LayoutB>
__device__ void block_matmul(int M, int N, int Kd, const bf16* A, int lda, const bf16* B, int ldb, float* Cm, int ldc,
                             bool accumulate, int first_warp = 0) {
  const int n_warps = blockDim.x / 32, warp = (threadIdx.x / 32 + n_warps - first_warp % n_warps) % n_warps;
  const int tiles_n = N / SUB, tiles = (M / SUB) * tiles_n;
  for (int tile = warp; tile < tiles; tile += n_warps) {
    const int tm = tile / tiles_n, tn = tile % tiles_n;
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
    float* c_tile = Cm + tm * SUB * ldc + tn * SUB;
    if (accumulate) wmma::load_matrix_sync(acc, c_tile, ldc, wmma::mem_row_major);
    else wmma::fill_fragment(acc, 0.f);
    for (int kk = 0; kk < Kd; kk += SUB) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, LayoutA> a;
      wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, LayoutB> b;
      if constexpr (std::is_same_v<LayoutA, wmma::row_major>) wmma::load_matrix_sync(a, A + tm * SUB * lda + kk, lda);
      else wmma::load_matrix_sync(a, A + kk * lda + tm * SUB, lda);
      if constexpr (std::is_same_v<LayoutB, wmma::row_major>) wmma::load_matrix_sync(b, B + kk * ldb + tn * SUB, ldb);
      else wmma::load_matrix_sync(b, B + tn * SUB * ldb + kk, ldb);
      wmma::mma_sync(acc, a, b, acc);
    }
    wmma::store_matrix_sync(c_tile, acc, ldc, wmma::mem_row_major);
  }
}

// Loaders. Each thread issues all of its global loads before any shared-memory store, so their latencies overlap:
// a loop that stores each element before loading the next pays the full global-memory latency per element (the
// first version of these kernels spent most of their time so, ncu: ~25% of issue slots used). Trip counts are
// compile-time (NT threads), and 16-byte vector loads are used where the rows allow it.

__device__ __forceinline__ void store_bf16x8(bf16* dst, const float* x) {
  __align__(16) bf16 h[8];
#pragma unroll
  for (int e = 0; e < 8; ++e) h[e] = __float2bfloat16_rn(x[e]);
  *reinterpret_cast<uint4*>(dst) = *reinterpret_cast<const uint4*>(h);
}

// Rows [0, n) of the chunk (row r at src[row0 + r * row_stride]), columns [d0, d0 + WIDTH), as bf16 into dst[C][ld]
// (zeros beyond n rows and D columns). dst rows must be 16-byte aligned (ld a multiple of 8).
template <typename T, int WIDTH, int NT>
__device__ void load_rows(bf16* dst, int ld, const T* src, size_t row0, size_t row_stride, int n, int d0, int D) {
  constexpr int VEC = 8, VECS_PER_ROW = WIDTH / VEC, VECS = C * VECS_PER_ROW;
  // Either whole vectors per thread, or fewer vectors than threads (narrow tiles in wide blocks: the rest idle).
  static_assert(sizeof(T) == 2 && (VECS % NT == 0 || VECS < NT), "whole 16-byte vectors per thread");
  const bool vectors = D % VEC == 0 && d0 % VEC == 0 && row_stride % VEC == 0 && row0 % VEC == 0 &&
                       reinterpret_cast<uintptr_t>(src) % 16 == 0;
  if (vectors) {
    constexpr int PER = (VECS + NT - 1) / NT;
    if (VECS < NT && threadIdx.x >= VECS) return;
    uint4 buf[PER];
#pragma unroll
    for (int r = 0; r < PER; ++r) {
      const int idx = threadIdx.x + r * NT, t = idx / VECS_PER_ROW, d = (idx % VECS_PER_ROW) * VEC;
      buf[r] = (t < n && d0 + d < D) ? *reinterpret_cast<const uint4*>(src + row0 + t * row_stride + d0 + d)
                                     : make_uint4(0, 0, 0, 0);
    }
#pragma unroll
    for (int r = 0; r < PER; ++r) {
      const int idx = threadIdx.x + r * NT, t = idx / VECS_PER_ROW, d = (idx % VECS_PER_ROW) * VEC;
      if constexpr (std::is_same_v<T, bf16>) {
        *reinterpret_cast<uint4*>(dst + t * ld + d) = buf[r];
      } else {
        const T* x = reinterpret_cast<const T*>(&buf[r]);
        float f[8];
#pragma unroll
        for (int e = 0; e < 8; ++e) f[e] = to_float(x[e]);
        store_bf16x8(dst + t * ld + d, f);
      }
    }
    return;
  }
  constexpr int PER = C * WIDTH / NT, GROUP = PER < 16 ? PER : 16;
  static_assert(PER % GROUP == 0, "groups of loads");
  for (int g = 0; g < PER; g += GROUP) {
    float buf[GROUP];
#pragma unroll
    for (int r = 0; r < GROUP; ++r) {
      const int idx = threadIdx.x + (g + r) * NT, t = idx / WIDTH, d = idx % WIDTH;
      buf[r] = (t < n && d0 + d < D) ? to_float(src[row0 + t * row_stride + d0 + d]) : 0.f;
    }
#pragma unroll
    for (int r = 0; r < GROUP; ++r) {
      const int idx = threadIdx.x + (g + r) * NT, t = idx / WIDTH, d = idx % WIDTH;
      dst[t * ld + d] = __float2bfloat16_rn(buf[r]);
    }
  }
}

// A [K, V] fp32 state (columns [j0, j0 + WIDTH)) as bf16 into dst[KP][ld].
template <int KP, int NT, int WIDTH = VT>
__device__ void load_state_tile(bf16* dst, int ld, const float* state, int K, int V, int j0) {
  constexpr int VEC = 4, VECS_PER_ROW = WIDTH / VEC;
  static_assert((KP * VECS_PER_ROW) % NT == 0, "whole vectors per thread");
  const bool vectors = V % VEC == 0 && reinterpret_cast<uintptr_t>(state) % 16 == 0;
  if (vectors) {
    constexpr int PER = KP * VECS_PER_ROW / NT, GROUP = PER < 8 ? PER : 8;
    for (int g = 0; g < PER; g += GROUP) {
      float4 buf[GROUP];
#pragma unroll
      for (int r = 0; r < GROUP; ++r) {
        const int idx = threadIdx.x + (g + r) * NT, i = idx / VECS_PER_ROW, j = (idx % VECS_PER_ROW) * VEC;
        buf[r] = (i < K && j0 + j < V) ? *reinterpret_cast<const float4*>(state + (size_t)i * V + j0 + j)
                                       : make_float4(0.f, 0.f, 0.f, 0.f);
      }
#pragma unroll
      for (int r = 0; r < GROUP; ++r) {
        const int idx = threadIdx.x + (g + r) * NT, i = idx / VECS_PER_ROW, j = (idx % VECS_PER_ROW) * VEC;
        __align__(8) bf16 h[4] = {__float2bfloat16_rn(buf[r].x), __float2bfloat16_rn(buf[r].y),
                                  __float2bfloat16_rn(buf[r].z), __float2bfloat16_rn(buf[r].w)};
        *reinterpret_cast<uint2*>(dst + i * ld + j) = *reinterpret_cast<const uint2*>(h);
      }
    }
    return;
  }
  // GROUP never exceeds PER: a larger group would store rows past the tile (into the next buffer).
  constexpr int PER = KP * WIDTH / NT, GROUP = PER < 16 ? PER : 16;
  static_assert(PER % GROUP == 0, "groups of loads");
  for (int g = 0; g < PER; g += GROUP) {
    float buf[GROUP];
#pragma unroll
    for (int r = 0; r < GROUP; ++r) {
      const int idx = threadIdx.x + (g + r) * NT, i = idx / WIDTH, j = idx % WIDTH;
      buf[r] = (i < K && j0 + j < V) ? state[(size_t)i * V + j0 + j] : 0.f;
    }
#pragma unroll
    for (int r = 0; r < GROUP; ++r) {
      const int idx = threadIdx.x + (g + r) * NT, i = idx / WIDTH, j = idx % WIDTH;
      dst[i * ld + j] = __float2bfloat16_rn(buf[r]);
    }
  }
}

// b = within-chunk inclusive cumulative sum of the log-decays, fp32 [C][beta_ld] (rows beyond n repeat the last
// value, padded channels 0; all zero without decays). Ends with __syncthreads().
template <typename T, int KP, int NT>
__device__ void load_cumulative_decay(float* beta, const float* gk, bool gk_in_input_type, size_t row0,
                                      size_t row_stride, int n, int K) {
  const T* gk_typed = reinterpret_cast<const T*>(gk);
  constexpr int LDB = beta_ld<KP>(), PER = C * KP / NT, GROUP = PER < 16 ? PER : 16;
  // Input-type log-decays in whole 16-byte vectors where the rows allow it (8 values a load).
  constexpr int VEC = 8, VECS_PER_ROW = KP / VEC, VPER = C * VECS_PER_ROW / NT;
  if (gk && gk_in_input_type && K % VEC == 0 && row_stride % VEC == 0 && row0 % VEC == 0 &&
      reinterpret_cast<uintptr_t>(gk) % 16 == 0) {
    static_assert((C * VECS_PER_ROW) % NT == 0, "whole vectors per thread");
    uint4 buf[VPER];
#pragma unroll
    for (int r = 0; r < VPER; ++r) {
      const int idx = threadIdx.x + r * NT, t = idx / VECS_PER_ROW, i = (idx % VECS_PER_ROW) * VEC;
      buf[r] = (t < n && i < K) ? *reinterpret_cast<const uint4*>(gk_typed + row0 + t * row_stride + i)
                                : make_uint4(0, 0, 0, 0);
    }
#pragma unroll
    for (int r = 0; r < VPER; ++r) {
      const int idx = threadIdx.x + r * NT, t = idx / VECS_PER_ROW, i = (idx % VECS_PER_ROW) * VEC;
      const T* x = reinterpret_cast<const T*>(&buf[r]);
#pragma unroll
      for (int e = 0; e < VEC; ++e) beta[t * LDB + i + e] = to_float(x[e]);
    }
  } else
    for (int g = 0; g < PER; g += GROUP) {
      float buf[GROUP];
#pragma unroll
      for (int r = 0; r < GROUP; ++r) {
        const int idx = threadIdx.x + (g + r) * NT, t = idx / KP, i = idx % KP;
        const size_t at = row0 + t * row_stride + i;
        buf[r] = (gk && t < n && i < K) ? (gk_in_input_type ? to_float(gk_typed[at]) : gk[at]) : 0.f;
      }
#pragma unroll
      for (int r = 0; r < GROUP; ++r) {
        const int idx = threadIdx.x + (g + r) * NT, t = idx / KP, i = idx % KP;
        beta[t * LDB + i] = buf[r];
      }
    }
  __syncthreads();
  // The scan over the C rows runs in P = NT / KP segments per channel at once (a row-serial scan by KP threads
  // left most of the block idle): segment sums, then each segment adds the totals of the segments before it.
  static_assert(NT % KP == 0 && C % (NT / KP) == 0, "whole segments");
  constexpr int P = NT / KP, SEG = C / P;
  const int i = threadIdx.x % KP, part = threadIdx.x / KP;
  float acc = 0.f;
#pragma unroll
  for (int r = 0; r < SEG; ++r) {
    acc += beta[(part * SEG + r) * LDB + i];
    beta[(part * SEG + r) * LDB + i] = acc;
  }
  if constexpr (P > 1) {
    __syncthreads();
    float offset = 0.f;
    for (int p = 0; p < part; ++p) offset += beta[((p + 1) * SEG - 1) * LDB + i];
    __syncthreads();
#pragma unroll
    for (int r = 0; r < SEG; ++r) beta[(part * SEG + r) * LDB + i] += offset;
  }
  __syncthreads();
}

// Fills the intra-chunk matrix A (fp32 [C][LDA]): s > t zero; diagonal sub-blocks elementwise; off-diagonal
// sub-blocks of row block I as (q ⊙ e^{b − r_I}) (k ⊙ e^{r_I − b})^T with r_I = b at the first row of block I.
// scratch: bf16 [C][KP + kPadH] (rows 0..47 hold the scaled keys, 48..63 the scaled queries). Ends synchronized.
template <int KP, int NT, int LDA = C + kPadF>
__device__ void intra_chunk_scores(float* A, const bf16* q, const bf16* k, const float* beta, bf16* scratch) {
  constexpr int LDH = KP + kPadH;
  bf16* kt = scratch;             // [48][LDH]
  bf16* qt = scratch + 48 * LDH;  // [16][LDH]
  constexpr int LDB = beta_ld<KP>();
  // Diagonal sub-blocks elementwise (zero above the diagonal), and zeros in the sub-blocks above them.
  // Only the SUB (SUB + 1) / 2 pairs s <= t of each diagonal sub-block are computed (pair p -> row t' with
  // t'(t'+1)/2 <= p, column s' = p − t'(t'+1)/2); the entries above the diagonal are zeroed separately.
  constexpr int kPairs = SUB * (SUB + 1) / 2;
  for (int idx = threadIdx.x; idx < (C / SUB) * kPairs; idx += NT) {
    const int I0 = (idx / kPairs) * SUB, p = idx % kPairs;
    int tr = static_cast<int>((sqrtf(8.f * p + 1.f) - 1.f) * 0.5f);
    if ((tr + 1) * (tr + 2) / 2 <= p) ++tr;  // guard against sqrt rounding
    if (tr * (tr + 1) / 2 > p) --tr;
    const int t = I0 + tr, s = I0 + p - tr * (tr + 1) / 2;
    float acc = 0.f;
#pragma unroll 8
    for (int i = 0; i < KP; ++i)
      acc += __bfloat162float(q[t * LDH + i]) * __bfloat162float(k[s * LDH + i]) *
             __expf(beta[t * LDB + i] - beta[s * LDB + i]);
    A[t * LDA + s] = acc;
  }
  for (int idx = threadIdx.x; idx < (C / SUB) * SUB * SUB; idx += NT) {
    const int I0 = (idx / (SUB * SUB)) * SUB, t = I0 + (idx / SUB) % SUB, s = I0 + idx % SUB;
    if (s > t) A[t * LDA + s] = 0.f;
  }
  for (int idx = threadIdx.x; idx < C * C; idx += NT) {
    const int t = idx / C, s = idx % C;
    if (s / SUB > t / SUB) A[t * LDA + s] = 0.f;
  }
  for (int I = 1; I < C / SUB; ++I) {
    const int r = I * SUB;
    for (int idx = threadIdx.x; idx < (r + SUB) * KP; idx += NT) {
      const int row = idx / KP, i = idx % KP;
      const float ref = beta[r * LDB + i];
      if (row < r) {
        kt[row * LDH + i] = __float2bfloat16_rn(__bfloat162float(k[row * LDH + i]) * __expf(ref - beta[row * LDB + i]));
      } else {  // rows r .. r + 15
        qt[(row - r) * LDH + i] =
            __float2bfloat16_rn(__bfloat162float(q[row * LDH + i]) * __expf(beta[row * LDB + i] - ref));
      }
    }
    __syncthreads();
    block_matmul<wmma::row_major, wmma::col_major>(SUB, r, KP, qt, LDH, kt, LDH, A + r * LDA, LDA, false);
    __syncthreads();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// state_pass: the chunk's own end state U_c = (K ⊙ e^{B−b})^T V, or its share of the entering state's gradient
// W_c = (Q ⊙ e^{b})^T dO. Grid (chunks, B*H, value tiles); writes [B, H, NC, K, V] fp32 and, for U_c, the chunk's
// log-decay sums B.
enum StateMode { kLocalState = 0, kLocalDState = 1 };

template <typename T, int KP, int MODE>
__global__ void __launch_bounds__(kStateThreads) state_pass(TensorCoreArgs a) {
  constexpr int NT = kStateThreads;
  extern __shared__ __align__(128) unsigned char smem[];
  constexpr int LDH = KP + kPadH, LDV = VT + kPadH, LDF = VT + kPadF, LDB = beta_ld<KP>();
  SmemLayout L;
  float* beta = reinterpret_cast<float*>(smem + L.take(sizeof(float) * C * beta_ld<KP>()));
  bf16* x = reinterpret_cast<bf16*>(smem + L.take(sizeof(bf16) * C * LDH));
  bf16* y = reinterpret_cast<bf16*>(smem + L.take(sizeof(bf16) * C * LDV));
  float* out = reinterpret_cast<float*>(smem + L.take(sizeof(float) * KP * LDF));
  const int c = blockIdx.x, bh = blockIdx.y, b = bh / a.H, h = bh % a.H, j0 = blockIdx.z * VT;
  const int t0 = c * C, n = min(C, a.T - t0);
  const size_t krow0 = ((size_t)b * a.T + t0) * a.H * a.K + (size_t)h * a.K, kstride = (size_t)a.H * a.K;
  const size_t vrow0 = ((size_t)b * a.T + t0) * a.H * a.V + (size_t)h * a.V, vstride = (size_t)a.H * a.V;

  const T* xs = static_cast<const T*>(MODE == kLocalState ? a.k : a.q);
  const T* ys = static_cast<const T*>(MODE == kLocalState ? a.v : a.d_o);
  load_rows<T, KP, NT>(x, LDH, xs, krow0, kstride, n, 0, a.K);
  load_rows<T, VT, NT>(y, LDV, ys, vrow0, vstride, n, j0, a.V);
  load_cumulative_decay<T, KP, NT>(beta, a.gk, a.gk_in_input_type, krow0, kstride, n,
                                   a.K);  // synchronizes: x and y are loaded too
  if (MODE == kLocalState && a.gk && blockIdx.z == 0)
    for (int i = threadIdx.x; i < a.K; i += NT)
      a.chunk_decay_k[((size_t)bh * a.NC + c) * a.K + i] = beta[(C - 1) * LDB + i];
  if (a.gk) {
    for (int idx = threadIdx.x; idx < C * KP; idx += NT) {
      const int t = idx / KP, i = idx % KP;
      const float e = MODE == kLocalState ? beta[(C - 1) * LDB + i] - beta[t * LDB + i] : beta[t * LDB + i];
      x[t * LDH + i] = __float2bfloat16_rn(__bfloat162float(x[t * LDH + i]) * __expf(e));
    }
    __syncthreads();
  }
  // out[KP, VT] = x^T y: x is [C][KP] row-major, so x^T is col_major with lda = LDH.
  block_matmul<wmma::col_major, wmma::row_major>(KP, VT, C, x, LDH, y, LDV, out, LDF, false);
  __syncthreads();
  float* dst = a.state_out + ((size_t)bh * a.NC + c) * a.K * a.V;
  for (int idx = threadIdx.x; idx < KP * VT; idx += NT) {
    const int i = idx / VT, j = idx % VT;
    if (i < a.K && j0 + j < a.V) dst[(size_t)i * a.V + j0 + j] = out[i * LDF + j];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// output_pass: O = (Q ⊙ e^{b}) S_in + A V for one chunk and one value tile. Grid (chunks, B*H, value tiles).
template <typename T, int KP>
__global__ void __launch_bounds__(kOutputThreads, kOutputBlocksPerSm) output_pass(TensorCoreArgs a) {
  constexpr int NT = kOutputThreads;
  extern __shared__ __align__(128) unsigned char smem[];
  constexpr int LDH = KP + kPadH, LDV = VT + kPadH, LDA = C + kPadF, LDAH = C + kPadH, LDF = VT + kPadF,
                LDB = beta_ld<KP>();
  SmemLayout L;
  float* beta = reinterpret_cast<float*>(smem + L.take(sizeof(float) * C * beta_ld<KP>()));
  bf16* q = reinterpret_cast<bf16*>(smem + L.take(sizeof(bf16) * C * LDH));
  bf16* k = reinterpret_cast<bf16*>(smem + L.take(sizeof(bf16) * C * LDH));
  bf16* scratch = reinterpret_cast<bf16*>(smem + L.take(sizeof(bf16) * C * LDH));  // scaled q/k, then Q ⊙ e^b
  float* A = reinterpret_cast<float*>(smem + L.take(sizeof(float) * C * LDA));     // A fp32, then the output tile
  bf16* Ah = reinterpret_cast<bf16*>(smem + L.take(sizeof(bf16) * C * LDAH));
  bf16* Sh = reinterpret_cast<bf16*>(smem + L.take(sizeof(bf16) * KP * LDV));
  bf16* vh = reinterpret_cast<bf16*>(smem + L.take(sizeof(bf16) * C * LDV));
  const int c = blockIdx.x, bh = blockIdx.y, b = bh / a.H, h = bh % a.H, j0 = blockIdx.z * VT;
  const int t0 = c * C, n = min(C, a.T - t0);
  const size_t krow0 = ((size_t)b * a.T + t0) * a.H * a.K + (size_t)h * a.K, kstride = (size_t)a.H * a.K;
  const size_t vrow0 = ((size_t)b * a.T + t0) * a.H * a.V + (size_t)h * a.V, vstride = (size_t)a.H * a.V;

  load_rows<T, KP, NT>(q, LDH, static_cast<const T*>(a.q), krow0, kstride, n, 0, a.K);
  load_rows<T, KP, NT>(k, LDH, static_cast<const T*>(a.k), krow0, kstride, n, 0, a.K);
  load_rows<T, VT, NT>(vh, LDV, static_cast<const T*>(a.v), vrow0, vstride, n, j0, a.V);
  load_state_tile<KP, NT>(Sh, LDV, a.state_in + ((size_t)bh * a.NC + c) * a.K * a.V, a.K, a.V, j0);
  load_cumulative_decay<T, KP, NT>(beta, a.gk, a.gk_in_input_type, krow0, kstride, n,
                                   a.K);  // synchronizes: q, k, v, S loaded too
  intra_chunk_scores<KP, NT>(A, q, k, beta, scratch);
  for (int idx = threadIdx.x; idx < C * C; idx += NT) {
    const int t = idx / C, s = idx % C;
    Ah[t * LDAH + s] = __float2bfloat16_rn(A[t * LDA + s]);
  }
  for (int idx = threadIdx.x; idx < C * KP; idx += NT) {
    const int t = idx / KP, i = idx % KP;
    scratch[t * LDH + i] = __float2bfloat16_rn(__bfloat162float(q[t * LDH + i]) * __expf(beta[t * LDB + i]));
  }
  __syncthreads();
  // The backward reads A (bf16, as the matmuls use it) instead of computing it again.
  if (a.scores_out && blockIdx.z == 0) {
    bf16* dst = static_cast<bf16*>(a.scores_out) + ((size_t)bh * a.NC + c) * C * C;
    for (int idx = threadIdx.x; idx < C * C / 8; idx += NT) {
      const int t = idx / (C / 8), s8 = (idx % (C / 8)) * 8;
      *reinterpret_cast<uint4*>(dst + t * C + s8) = *reinterpret_cast<const uint4*>(Ah + t * LDAH + s8);
    }
  }
  float* O = A;  // A (fp32) is consumed
  block_matmul<wmma::row_major, wmma::row_major>(C, VT, KP, scratch, LDH, Sh, LDV, O, LDF, false);
  __syncthreads();
  block_matmul<wmma::row_major, wmma::row_major>(C, VT, C, Ah, LDAH, vh, LDV, O, LDF, true);
  __syncthreads();
  T* o = static_cast<T*>(a.o);
  for (int idx = threadIdx.x; idx < C * VT; idx += NT) {
    const int t = idx / VT, j = idx % VT;
    if (t < n && j0 + j < a.V) o[vrow0 + t * vstride + j0 + j] = from_float<T>(O[t * LDF + j]);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// backward_pass: dv (per value tile), then dq and dk of one chunk (accumulated over the value tiles). Grid (chunks,
// B*H). state_in: entering states; end_grads: gradients of the chunk end states from later chunks.
// Shared memory is tight at KP = 128 (the limit is 227 KB), so buffers are reused: q and k live in the space of the
// dq / dk accumulators until the tile loop starts, and are loaded again into the tile buffers after it.
template <typename T, int KP>
__global__ void __launch_bounds__(kBackwardThreads, BackwardTiles<KP>::blocks_per_sm) backward_pass(TensorCoreArgs a) {
  constexpr int NT = kBackwardThreads, BVT = BackwardTiles<KP>::value_cols, PADF = BackwardTiles<KP>::fp32_pad;
  extern __shared__ __align__(128) unsigned char smem[];
  constexpr int LDH = KP + kPadH, LDV = BVT + kPadH, LDA = C + PADF, LDAH = C + kPadH, LDF = BVT + kPadF,
                LDK = KP + PADF, LDB = beta_ld<KP>();
  static_assert(C * LDH * sizeof(bf16) <= C * LDK * sizeof(float), "q, k fit in the dq, dk accumulators");
  static_assert(C * LDH <= 2 * C * LDV, "q fits in the v and do tiles after the loop");
  static_assert(C * LDH <= 2 * KP * LDV, "k fits in the state tiles after the loop");
  SmemLayout L;
  float* beta = reinterpret_cast<float*>(smem + L.take(sizeof(float) * C * LDB));
  bf16* scratch = reinterpret_cast<bf16*>(smem + L.take(sizeof(bf16) * C * LDH));  // scaled q/k; K ⊙ e^{B−b}
  float* A = reinterpret_cast<float*>(smem + L.take(sizeof(float) * C * LDA));     // A, then dA (fp32)
  bf16* Ah = reinterpret_cast<bf16*>(smem + L.take(sizeof(bf16) * C * LDAH));      // A, then dA (bf16)
  bf16* vh = reinterpret_cast<bf16*>(smem + L.take(sizeof(bf16) * 2 * C * LDV));   // v tile, then do tile
  bf16* doh = vh + C * LDV;
  bf16* Sh = reinterpret_cast<bf16*>(smem + L.take(sizeof(bf16) * 2 * KP * LDV));  // S_in tile, then dS_end tile
  bf16* dSh = Sh + KP * LDV;
  float* dvf = reinterpret_cast<float*>(smem + L.take(sizeof(float) * C * LDF));  // dv tile; later a dq/dk part
  float* dqp = reinterpret_cast<float*>(smem + L.take(sizeof(float) * C * LDK));  // dO S_in^T, then dq
  float* dkp = reinterpret_cast<float*>(smem + L.take(sizeof(float) * C * LDK));  // V dS_end^T, then dk
  const int c = blockIdx.x, bh = blockIdx.y, b = bh / a.H, h = bh % a.H;
  const int t0 = c * C, n = min(C, a.T - t0);
  const size_t krow0 = ((size_t)b * a.T + t0) * a.H * a.K + (size_t)h * a.K, kstride = (size_t)a.H * a.K;
  const size_t vrow0 = ((size_t)b * a.T + t0) * a.H * a.V + (size_t)h * a.V, vstride = (size_t)a.H * a.V;
  const size_t state0 = ((size_t)bh * a.NC + c) * a.K * a.V;
  const T* q_src = static_cast<const T*>(a.q);
  const T* k_src = static_cast<const T*>(a.k);

  {
    // A from the forward (scores_in), or computed here when the forward did not keep it.
    bf16* q = reinterpret_cast<bf16*>(dqp);
    bf16* k = reinterpret_cast<bf16*>(dkp);
    uint4 saved_scores[C * C / 8 / NT + 1];
    constexpr int kScoreVectors = C * C / 8;
    if (a.scores_in) {
      const bf16* src = static_cast<const bf16*>(a.scores_in) + ((size_t)bh * a.NC + c) * C * C;
#pragma unroll
      for (int r = 0; r * NT < kScoreVectors; ++r) {
        const int idx = threadIdx.x + r * NT;
        if (idx < kScoreVectors) saved_scores[r] = *reinterpret_cast<const uint4*>(src + (size_t)idx * 8);
      }
    } else {
      load_rows<T, KP, NT>(q, LDH, q_src, krow0, kstride, n, 0, a.K);
    }
    load_rows<T, KP, NT>(k, LDH, k_src, krow0, kstride, n, 0, a.K);
    load_cumulative_decay<T, KP, NT>(beta, a.gk, a.gk_in_input_type, krow0, kstride, n, a.K);
    if (a.scores_in) {
#pragma unroll
      for (int r = 0; r * NT < kScoreVectors; ++r) {
        const int idx = threadIdx.x + r * NT;
        if (idx < kScoreVectors)
          *reinterpret_cast<uint4*>(Ah + (idx / (C / 8)) * LDAH + (idx % (C / 8)) * 8) = saved_scores[r];
      }
    } else {
      intra_chunk_scores<KP, NT, LDA>(A, q, k, beta, scratch);
      for (int idx = threadIdx.x; idx < C * C; idx += NT) {
        const int t = idx / C, s = idx % C;
        Ah[t * LDAH + s] = __float2bfloat16_rn(A[t * LDA + s]);
      }
    }
    for (int idx = threadIdx.x; idx < C * KP; idx += NT) {
      const int t = idx / KP, i = idx % KP;
      scratch[t * LDH + i] =
          __float2bfloat16_rn(__bfloat162float(k[t * LDH + i]) * __expf(beta[(C - 1) * LDB + i] - beta[t * LDB + i]));
    }
    __syncthreads();
  }

  const int n_tiles = (a.V + BVT - 1) / BVT;
  float* dA = A;  // A (fp32) is consumed: dA accumulates here
  for (int tile = 0; tile < n_tiles; ++tile) {
    const int j0 = tile * BVT;
    load_rows<T, BVT, NT>(vh, LDV, static_cast<const T*>(a.v), vrow0, vstride, n, j0, a.V);
    load_rows<T, BVT, NT>(doh, LDV, static_cast<const T*>(a.d_o), vrow0, vstride, n, j0, a.V);
    load_state_tile<KP, NT, BVT>(Sh, LDV, a.state_in + state0, a.K, a.V, j0);
    load_state_tile<KP, NT, BVT>(dSh, LDV, a.end_grads + state0, a.K, a.V, j0);
    __syncthreads();
    const bool acc = tile > 0;
    // dv = A^T dO + (K ⊙ e^{B−b}) dS_end; A^T is col_major over Ah.
    block_matmul<wmma::col_major, wmma::row_major>(C, BVT, C, Ah, LDAH, doh, LDV, dvf, LDF, false);
    // dA += dO V^T; dO S_in^T and V dS_end^T accumulate over the tiles (V^T, S^T: col_major B).
    block_matmul<wmma::row_major, wmma::col_major>(C, C, BVT, doh, LDV, vh, LDV, dA, LDA, acc);
    block_matmul<wmma::row_major, wmma::col_major>(C, KP, BVT, doh, LDV, Sh, LDV, dqp, LDK, acc);
    block_matmul<wmma::row_major, wmma::col_major>(C, KP, BVT, vh, LDV, dSh, LDV, dkp, LDK, acc);
    __syncthreads();
    block_matmul<wmma::row_major, wmma::row_major>(C, BVT, KP, scratch, LDH, dSh, LDV, dvf, LDF, true);
    __syncthreads();
    for (int idx = threadIdx.x; idx < C * BVT; idx += NT) {
      const int t = idx / BVT, j = idx % BVT;
      if (t < n && j0 + j < a.V) {
        if (a.dv_input_type)
          static_cast<T*>(a.dv_input_type)[vrow0 + t * vstride + j0 + j] = from_float<T>(dvf[t * LDF + j]);
        else a.dv[vrow0 + t * vstride + j0 + j] = dvf[t * LDF + j];
      }
    }
    __syncthreads();  // vh, doh, Sh, dSh, dvf are reused by the next tile
  }

  // q and k again, into the free tile buffers; dA below the diagonal as bf16 (s > t is never used: zero).
  bf16* q = vh;
  bf16* k = Sh;
  load_rows<T, KP, NT>(q, LDH, q_src, krow0, kstride, n, 0, a.K);
  load_rows<T, KP, NT>(k, LDH, k_src, krow0, kstride, n, 0, a.K);
  for (int idx = threadIdx.x; idx < C * C; idx += NT) {
    const int t = idx / C, s = idx % C;
    Ah[t * LDAH + s] = __float2bfloat16_rn(s <= t ? dA[t * LDA + s] : 0.f);
  }
  __syncthreads();
  // Inter-chunk terms, and the diagonal sub-blocks elementwise:
  //   dq_ti = dqp_ti e^{b_ti} + Σ_{s in I, s <= t} dA_ts k_si e^{b_ti − b_si}
  //   dk_si = dkp_si e^{B_i − b_si} + Σ_{t in I, t >= s} dA_ts q_ti e^{b_ti − b_si}
  for (int idx = threadIdx.x; idx < C * KP; idx += NT) {
    const int t = idx / KP, i = idx % KP, I0 = (t / SUB) * SUB;
    const float bt = beta[t * LDB + i];
    float dq = dqp[t * LDK + i] * __expf(bt), dk = dkp[t * LDK + i] * __expf(beta[(C - 1) * LDB + i] - bt);
#pragma unroll 4
    for (int s = I0; s <= t; ++s)
      dq += dA[t * LDA + s] * __bfloat162float(k[s * LDH + i]) * __expf(bt - beta[s * LDB + i]);
#pragma unroll 4
    for (int u = t; u < I0 + SUB; ++u)
      dk += dA[u * LDA + t] * __bfloat162float(q[u * LDH + i]) * __expf(beta[u * LDB + i] - bt);
    dqp[t * LDK + i] = dq;
    dkp[t * LDK + i] = dk;
  }
  __syncthreads();
  // Off-diagonal sub-blocks on the tensor cores, in three rounds m = 1, 2, 3; each round serves
  //   dq of row block I = m, reference r = b at row 16 m:           dq_t += e^{b_t − r} ⊙ (dA[I, <I] · (K ⊙ e^{r −
  //   b})[<I]) dk of column block J = m − 1, reference r' = b at row 16 m − 1: dk_s += e^{r' − b_s} ⊙ (dA[>J, J]^T · (Q
  //   ⊙ e^{b − r'})[>J])
  // The scaled keys of the first (rows < 16 m) and the scaled queries of the second (rows >= 16 m) fill the 64 rows
  // of `scaled` exactly, so both matmuls share one phase (fewer barriers: with one block per SM every barrier
  // idles the SM).
  bf16* scaled = scratch;  // [C][LDH]
  float* part_q = dvf;     // [16][LDK]
  float* part_k = dvf + SUB * LDK;
  static_assert(C * LDF >= 2 * SUB * LDK, "the dq and dk parts fit in the dv tile");
  for (int m = 1; m < C / SUB; ++m) {
    const int r = m * SUB, rk = r - 1;
    for (int idx = threadIdx.x; idx < C * KP; idx += NT) {
      const int row = idx / KP, i = idx % KP;
      const float x = row < r ? __bfloat162float(k[row * LDH + i]) * __expf(beta[r * LDB + i] - beta[row * LDB + i])
                              : __bfloat162float(q[row * LDH + i]) * __expf(beta[row * LDB + i] - beta[rk * LDB + i]);
      scaled[row * LDH + i] = __float2bfloat16_rn(x);
    }
    __syncthreads();
    block_matmul<wmma::row_major, wmma::row_major>(SUB, KP, r, Ah + r * LDAH, LDAH, scaled, LDH, part_q, LDK, false);
    // dA[>J, J]^T: element (m = s, k = u) at Ah[u * LDAH + s]: col_major from row r, column 16 (m − 1).
    block_matmul<wmma::col_major, wmma::row_major>(SUB, KP, C - r, Ah + r * LDAH + (m - 1) * SUB, LDAH,
                                                   scaled + r * LDH, LDH, part_k, LDK, false, NT / 64);
    __syncthreads();
    for (int idx = threadIdx.x; idx < SUB * KP; idx += NT) {
      const int row = idx / KP, i = idx % KP, t = r + row, s = (m - 1) * SUB + row;
      dqp[t * LDK + i] += part_q[row * LDK + i] * __expf(beta[t * LDB + i] - beta[r * LDB + i]);
      dkp[s * LDK + i] += part_k[row * LDK + i] * __expf(beta[rk * LDB + i] - beta[s * LDB + i]);
    }
    __syncthreads();
  }
  for (int idx = threadIdx.x; idx < C * KP; idx += NT) {
    const int t = idx / KP, i = idx % KP;
    if (t < n && i < a.K) {
      if (a.dq) a.dq[krow0 + t * kstride + i] = dqp[t * LDK + i];
      if (a.dk) a.dk[krow0 + t * kstride + i] = dkp[t * LDK + i];
      if (a.dq_input_type) static_cast<T*>(a.dq_input_type)[krow0 + t * kstride + i] = from_float<T>(dqp[t * LDK + i]);
      if (a.dk_input_type) static_cast<T*>(a.dk_input_type)[krow0 + t * kstride + i] = from_float<T>(dkp[t * LDK + i]);
    }
  }
  // The chunk's part of the closed-form gate gradient (docs/RESEARCH.md 1.6): the reverse cumulative sum over the chunk
  // of q ⊙ dq − k ⊙ dk, and its total; gate_gradient_carry adds the later chunks' totals.
  if (a.gate_local) {
    for (int i = threadIdx.x; i < a.K; i += NT) {
      float acc = 0.f;
      for (int t = n - 1; t >= 0; --t) {
        acc +=
            __bfloat162float(q[t * LDH + i]) * dqp[t * LDK + i] - __bfloat162float(k[t * LDH + i]) * dkp[t * LDK + i];
        a.gate_local[krow0 + t * kstride + i] = acc;
      }
      a.gate_totals[((size_t)bh * a.NC + c) * a.K + i] = acc;
    }
  }
}

template <typename Kernel>
void launch(Kernel kernel, dim3 grid, int threads, size_t smem, const TensorCoreArgs& a, cudaStream_t stream,
            const char* what) {
  check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem), what);
  if (kTwoBlocksPerSm)
    check(cudaFuncSetAttribute(kernel, cudaFuncAttributePreferredSharedMemoryCarveout, cudaSharedmemCarveoutMaxShared),
          what);
  kernel<<<grid, threads, smem, stream>>>(a);
  check(cudaGetLastError(), what);
}

template <int KP>
size_t state_pass_smem() {
  SmemLayout L;
  L.take(sizeof(float) * C * beta_ld<KP>());
  L.take(sizeof(bf16) * C * (KP + kPadH));
  L.take(sizeof(bf16) * C * (VT + kPadH));
  L.take(sizeof(float) * KP * (VT + kPadF));
  return L.bytes;
}

template <int KP>
size_t output_pass_smem() {
  SmemLayout L;
  L.take(sizeof(float) * C * beta_ld<KP>());
  for (int i = 0; i < 3; ++i) L.take(sizeof(bf16) * C * (KP + kPadH));
  L.take(sizeof(float) * C * (C + kPadF));
  L.take(sizeof(bf16) * C * (C + kPadH));
  L.take(sizeof(bf16) * KP * (VT + kPadH));
  L.take(sizeof(bf16) * C * (VT + kPadH));
  return L.bytes;
}

template <int KP>
constexpr size_t backward_pass_smem() {
  using Tiles = BackwardTiles<KP>;
  constexpr int BVT = Tiles::value_cols, PADF = Tiles::fp32_pad;
  SmemLayout L;
  L.take(sizeof(float) * C * beta_ld<KP>());
  L.take(sizeof(bf16) * C * (KP + kPadH));
  L.take(sizeof(float) * C * (C + PADF));
  L.take(sizeof(bf16) * C * (C + kPadH));
  L.take(sizeof(bf16) * 2 * C * (BVT + kPadH));
  L.take(sizeof(bf16) * 2 * KP * (BVT + kPadH));
  L.take(sizeof(float) * C * (BVT + kPadF));
  L.take(sizeof(float) * C * (KP + PADF));
  L.take(sizeof(float) * C * (KP + PADF));
  return L.bytes;
}

// Two blocks on one sm_90 SM: 228 KB of shared memory, less 1 KB that each block reserves. (launch() asks for the
// largest carveout, which the driver would not otherwise pick for a kernel whose one block fits in less.)
static_assert(!BackwardTiles<64>::two_blocks || 2 * (backward_pass_smem<64>() + 1024) <= 228 * 1024,
              "two backward blocks per SM at KP = 64");

template <typename T, int KP>
void run_state_pass(const TensorCoreArgs& a, int B, int mode, cudaStream_t stream) {
  const dim3 grid(a.NC, B * a.H, (a.V + VT - 1) / VT);
  if (mode == kLocalState)
    launch(state_pass<T, KP, kLocalState>, grid, kStateThreads, state_pass_smem<KP>(), a, stream, "state pass");
  else
    launch(state_pass<T, KP, kLocalDState>, grid, kStateThreads, state_pass_smem<KP>(), a, stream,
           "state gradient pass");
}

template <typename T>
void dispatch_key_dim(const TensorCoreArgs& a, int B, int what, cudaStream_t stream) {
  auto body = [&](auto kp) {
    constexpr int KP = decltype(kp)::value;
    switch (what) {
      case 0: run_state_pass<T, KP>(a, B, kLocalState, stream); break;
      case 1: run_state_pass<T, KP>(a, B, kLocalDState, stream); break;
      case 2:
        launch(output_pass<T, KP>, dim3(a.NC, B * a.H, (a.V + VT - 1) / VT), kOutputThreads, output_pass_smem<KP>(), a,
               stream, "output pass");
        break;
      default:
        launch(backward_pass<T, KP>, dim3(a.NC, B * a.H), kBackwardThreads, backward_pass_smem<KP>(), a, stream,
               "backward pass");
    }
  };
  if (a.K <= 64) body(std::integral_constant<int, 64>{});
  else body(std::integral_constant<int, 128>{});
}

void dispatch(const TensorCoreArgs& a, int B, bool bf16_inputs, int what, cudaStream_t stream) {
  if (bf16_inputs) dispatch_key_dim<bf16>(a, B, what, stream);
  else dispatch_key_dim<__half>(a, B, what, stream);
}

}  // namespace

void tensor_core_local_states(const TensorCoreArgs& a, int B, bool bf16_inputs, cudaStream_t stream) {
  dispatch(a, B, bf16_inputs, 0, stream);
}
void tensor_core_local_state_grads(const TensorCoreArgs& a, int B, bool bf16_inputs, cudaStream_t stream) {
  dispatch(a, B, bf16_inputs, 1, stream);
}
void tensor_core_outputs(const TensorCoreArgs& a, int B, bool bf16_inputs, cudaStream_t stream) {
  dispatch(a, B, bf16_inputs, 2, stream);
}
void tensor_core_input_grads(const TensorCoreArgs& a, int B, bool bf16_inputs, cudaStream_t stream) {
  dispatch(a, B, bf16_inputs, 3, stream);
}

}  // namespace gatelab::cuda_kernels
