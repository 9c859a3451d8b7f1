// Thin binding: checks, allocation, streams and autograd around the torch-free kernels.
#include "variants/linear_attention/cuda/cuda_linear_attention.h"

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include "harness/util/errors.h"
#include "variants/cuda_element_type_of.h"
#include "variants/linear_attention/cuda/linear_attention_kernels.h"

namespace gatelab::variants {

namespace {

namespace ck = gatelab::cuda_kernels;

void expect_shape(const torch::Tensor& t, std::vector<int64_t> shape, const char* name) {
  if (t.sizes() != c10::IntArrayRef(shape)) {
    std::string want;
    for (auto s : shape) want += (want.empty() ? "" : ", ") + std::to_string(s);
    throw Error(std::string("cuda linear attention: ") + name + " has shape " + c10::str(t.sizes()) + ", expected [" +
                want + "]");
  }
}

// Everything forward and backward share: contiguous inputs and the problem description.
struct Prepared {
  torch::Tensor q, k, v, gk, gv, s0;  // gk, gv fp32; s0 fp32; undefined where absent
  ck::LinearAttentionProblem problem;
};

Prepared prepare(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const torch::Tensor& gk,
                 const torch::Tensor& gv, const torch::Tensor& s0) {
  if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4) throw Error("cuda linear attention: q, k, v must be [B, T, H, D]");
  const int64_t B = q.size(0), T = q.size(1), H = q.size(2), K = q.size(3), V = v.size(3);
  expect_shape(k, {B, T, H, K}, "k");
  expect_shape(v, {B, T, H, V}, "v");
  if (K > ck::kMaxKeyDim)
    throw UserError("cuda linear attention: key head dim " + std::to_string(K) + " > " +
                    std::to_string(ck::kMaxKeyDim) + "; use kernel chunked");
  if (!q.is_cuda() || !k.is_cuda() || !v.is_cuda()) throw Error("cuda linear attention: q, k, v must be CUDA tensors");
  if (k.scalar_type() != q.scalar_type() || v.scalar_type() != q.scalar_type())
    throw Error("cuda linear attention: q, k, v must share one dtype");
  if (T < 1) throw Error("cuda linear attention: T must be >= 1");
  Prepared p;
  p.q = q.contiguous();
  p.k = k.contiguous();
  p.v = v.contiguous();
  for (const auto* t : {&gk, &gv, &s0})
    if (t->defined() && t->device() != q.device())
      throw Error("cuda linear attention: all tensors must be on one device");
  // The tensor-core kernels (fp16 / bf16 without a value-side decay) read log-decays of the input type as they are;
  // the step kernels read fp32.
  const bool tensor_cores = q.scalar_type() != torch::kFloat32 && !gv.defined();
  if (gk.defined()) {
    expect_shape(gk, {B, T, H, K}, "log_decay_k");
    p.gk = tensor_cores && gk.scalar_type() == q.scalar_type() ? gk.contiguous() : gk.to(torch::kFloat32).contiguous();
  }
  if (gv.defined()) {
    expect_shape(gv, {B, T, H, V}, "log_decay_v");
    p.gv = gv.to(torch::kFloat32).contiguous();
  }
  if (s0.defined()) {
    expect_shape(s0, {B, H, K, V}, "initial_state");
    p.s0 = s0.to(torch::kFloat32).contiguous();
  }
  auto& pr = p.problem;
  pr.B = B;
  pr.T = T;
  pr.H = H;
  pr.K = K;
  pr.V = V;
  pr.type = element_type_of(q, "cuda linear attention");
  pr.q = p.q.data_ptr();
  pr.k = p.k.data_ptr();
  pr.v = p.v.data_ptr();
  pr.log_decay_k = p.gk.defined() ? static_cast<const float*>(p.gk.data_ptr()) : nullptr;
  pr.log_decay_k_in_input_type = p.gk.defined() && p.gk.scalar_type() != torch::kFloat32;
  pr.log_decay_v = p.gv.defined() ? p.gv.data_ptr<float>() : nullptr;
  pr.initial_state = p.s0.defined() ? p.s0.data_ptr<float>() : nullptr;
  return p;
}

float* ptr_or_null(const torch::Tensor& t) { return t.defined() ? t.data_ptr<float>() : nullptr; }

// Autograd functions in LibTorch 2.x reject undefined tensors among their inputs and saved variables, so an absent
// optional input travels as an empty placeholder and is turned back into "absent" inside.
torch::Tensor or_placeholder(const torch::Tensor& t, const torch::Tensor& like) {
  return t.defined() ? t : torch::empty({0}, like.options().dtype(torch::kFloat32));
}
torch::Tensor absent_if_empty(const torch::Tensor& t) { return t.defined() && t.numel() > 0 ? t : torch::Tensor(); }

class LinearAttentionFunction : public torch::autograd::Function<LinearAttentionFunction> {
 public:
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& q,
                                                const torch::Tensor& k, const torch::Tensor& v,
                                                const torch::Tensor& log_decay_k_in,
                                                const torch::Tensor& log_decay_v_in,
                                                const torch::Tensor& initial_state_in) {
    c10::cuda::CUDAGuard guard(q.device());
    const auto log_decay_k = absent_if_empty(log_decay_k_in), log_decay_v = absent_if_empty(log_decay_v_in),
               initial_state = absent_if_empty(initial_state_in);
    Prepared p = prepare(q, k, v, log_decay_k, log_decay_v, initial_state);
    const auto& pr = p.problem;
    const int64_t NC = pr.n_chunks();
    auto f32 = q.options().dtype(torch::kFloat32);
    auto o = torch::empty({pr.B, pr.T, pr.H, pr.V}, v.options());
    auto final_state = torch::empty({pr.B, pr.H, pr.K, pr.V}, f32);
    auto chunk_states = torch::empty({pr.B, pr.H, NC, pr.K, pr.V}, f32);
    torch::Tensor decay_k, decay_v, o32;
    if (p.gk.defined()) decay_k = torch::empty({pr.B, pr.H, NC, pr.K}, f32);
    if (p.gv.defined()) {
      decay_v = torch::empty({pr.B, pr.H, NC, pr.V}, f32);
      o32 = torch::empty({pr.B, pr.T, pr.H, pr.V}, f32);
    }
    // The tensor-core path keeps each chunk's intra-chunk attention (bf16, 8 KB per chunk and head) for the backward.
    torch::Tensor scores;
    if (ck::uses_tensor_cores(pr))
      scores = torch::empty({pr.B, pr.H, NC, ck::kChunk, ck::kChunk}, q.options().dtype(torch::kBFloat16));
    ck::ForwardSaved saved{chunk_states.data_ptr<float>(), ptr_or_null(decay_k), ptr_or_null(decay_v), ptr_or_null(o32),
                           scores.defined() ? scores.data_ptr() : nullptr};
    ck::linear_attention_forward(pr, o.data_ptr(), final_state.data_ptr<float>(), saved,
                                 at::cuda::getCurrentCUDAStream(q.device().index()).stream());
    auto keep = [&](const torch::Tensor& t) { return or_placeholder(t, q); };
    ctx->save_for_backward({p.q, p.k, p.v, keep(p.gk), keep(p.gv), keep(p.s0), chunk_states, keep(decay_k),
                            keep(decay_v), keep(o32), final_state, keep(scores)});
    ctx->saved_data["gk_type"] = log_decay_k.defined() ? static_cast<int64_t>(log_decay_k.scalar_type()) : int64_t(-1);
    ctx->saved_data["gv_type"] = log_decay_v.defined() ? static_cast<int64_t>(log_decay_v.scalar_type()) : int64_t(-1);
    return {o, final_state};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto s = ctx->get_saved_variables();
    for (auto& t : s) t = absent_if_empty(t);
    const auto &q = s[0], &k = s[1], &v = s[2], &gk = s[3], &gv = s[4], &s0 = s[5], &chunk_states = s[6],
               &decay_k = s[7], &decay_v = s[8], &o32 = s[9], &final_state = s[10], &scores = s[11];
    c10::cuda::CUDAGuard guard(q.device());
    Prepared p = prepare(q, k, v, gk, gv, s0);
    const auto& pr = p.problem;
    auto f32 = q.options().dtype(torch::kFloat32);
    torch::Tensor d_o = grads[0].defined() ? grads[0].to(v.scalar_type()).contiguous() : torch::zeros_like(v);
    torch::Tensor d_final = grads[1].defined() ? grads[1].to(torch::kFloat32).contiguous() : torch::Tensor();
    torch::Tensor term_k, term_v;
    if (d_final.defined()) {
      auto product = final_state * d_final;  // [B, H, K, V]: the final state's share of the gate gradient
      if (gk.defined()) term_k = product.sum(-1).contiguous();  // [B, H, K]
      if (gv.defined()) term_v = product.sum(-2).contiguous();  // [B, H, V]
    }
    // The tensor-core kernels write every element of dq and dk; the step-recurrence kernels accumulate into them.
    // (The tensor-core path needs no fp32 dq, dk: it writes them in the input type and forms the gate gradient itself.)
    const bool step_kernels = !ck::uses_tensor_cores(pr);
    auto dq = step_kernels ? torch::zeros({pr.B, pr.T, pr.H, pr.K}, f32) : torch::Tensor();
    auto dk = step_kernels ? torch::zeros({pr.B, pr.T, pr.H, pr.K}, f32) : torch::Tensor();
    // The tensor-core path writes dq, dk, dv (and the gate gradient) in the input type itself: no cast kernels.
    const bool typed = ck::uses_tensor_cores(pr);
    torch::Tensor dq_typed, dk_typed, dv_typed, dgk_typed;
    if (typed) {
      dq_typed = torch::empty_like(p.q);
      dk_typed = torch::empty_like(p.k);
      dv_typed = torch::empty_like(p.v);
    }
    auto dv = typed ? torch::Tensor() : torch::empty({pr.B, pr.T, pr.H, pr.V}, f32);
    auto workspace = torch::empty_like(chunk_states);
    torch::Tensor dgk, dgv, ds0;
    if (gk.defined()) dgk = torch::empty({pr.B, pr.T, pr.H, pr.K}, f32);
    if (gv.defined()) dgv = torch::empty({pr.B, pr.T, pr.H, pr.V}, f32);
    if (s0.defined()) ds0 = torch::empty({pr.B, pr.H, pr.K, pr.V}, f32);
    ck::ForwardSaved saved{chunk_states.data_ptr<float>(), ptr_or_null(decay_k), ptr_or_null(decay_v), ptr_or_null(o32),
                           scores.defined() ? scores.data_ptr() : nullptr};
    if (typed && gk.defined() && p.gk.scalar_type() == q.scalar_type()) dgk_typed = torch::empty_like(p.gk);
    ck::BackwardGrads g{ptr_or_null(dq),  ptr_or_null(dk),  ptr_or_null(dv),
                        ptr_or_null(dgk), ptr_or_null(dgv), ptr_or_null(ds0)};
    torch::Tensor gate_totals;
    if (typed && gk.defined()) {
      gate_totals = torch::empty({pr.B, pr.H, (int64_t)pr.n_chunks(), pr.K}, f32);
      g.gate_totals = gate_totals.data_ptr<float>();
    }
    if (typed) {
      g.dq_input_type = dq_typed.data_ptr();
      g.dk_input_type = dk_typed.data_ptr();
      g.dv_input_type = dv_typed.data_ptr();
      if (dgk_typed.defined()) g.d_log_decay_k_input_type = dgk_typed.data_ptr();
    }
    ck::linear_attention_backward(pr, d_o.data_ptr(), ptr_or_null(d_final), ptr_or_null(term_k), ptr_or_null(term_v),
                                  saved, workspace.data_ptr<float>(), g,
                                  at::cuda::getCurrentCUDAStream(q.device().index()).stream());
    const auto gk_type = ctx->saved_data["gk_type"].toInt(), gv_type = ctx->saved_data["gv_type"].toInt();
    auto gk_grad = [&]() -> torch::Tensor {
      if (!dgk.defined()) return {};
      const auto type = static_cast<torch::ScalarType>(gk_type);
      return dgk_typed.defined() && dgk_typed.scalar_type() == type ? dgk_typed : dgk.to(type);
    };
    return {typed ? dq_typed : dq.to(q.scalar_type()),
            typed ? dk_typed : dk.to(k.scalar_type()),
            typed ? dv_typed : dv.to(v.scalar_type()),
            gk_grad(),
            dgv.defined() ? dgv.to(static_cast<torch::ScalarType>(gv_type)) : torch::Tensor(),
            ds0};
  }
};

}  // namespace

LinearAttentionOutputs cuda_linear_attention(const LinearAttentionInputs& in) {
  auto outputs =
      LinearAttentionFunction::apply(in.q, in.k, in.v, or_placeholder(in.log_decay_k, in.q),
                                     or_placeholder(in.log_decay_v, in.q), or_placeholder(in.initial_state, in.q));
  return {outputs[0], outputs[1]};
}

int64_t cuda_linear_attention_max_key_dim() { return ck::kMaxKeyDim; }

}  // namespace gatelab::variants
