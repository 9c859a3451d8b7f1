// Thin binding: checks, allocation, the stream and autograd around the torch-free SwiGLU kernels.
#include "variants/model/cuda/cuda_swiglu.h"

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include "harness/util/errors.h"
#include "variants/cuda_element_type_of.h"
#include "variants/model/cuda/swiglu_kernels.h"

namespace gatelab::variants {

namespace {

namespace ck = gatelab::cuda_kernels;

ck::SwigluProblem problem_for(const torch::Tensor& gate_up) {
  if (gate_up.dim() < 1 || gate_up.size(-1) % 2 != 0)
    throw Error("cuda swiglu: gate_up must be [..., 2h] (gate and up projections side by side)");
  if (!gate_up.is_cuda()) throw Error("cuda swiglu: gate_up must be a CUDA tensor");
  ck::SwigluProblem p;
  p.hidden = gate_up.size(-1) / 2;
  p.rows = p.hidden == 0 ? 0 : gate_up.numel() / (2 * p.hidden);
  p.type = element_type_of(gate_up, "cuda swiglu");
  return p;
}

class SwigluFunction : public torch::autograd::Function<SwigluFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& gate_up) {
    const c10::cuda::CUDAGuard guard(gate_up.device());
    auto input = gate_up.contiguous();
    auto p = problem_for(input);
    auto sizes = input.sizes().vec();
    sizes.back() = p.hidden;
    auto y = torch::empty(sizes, input.options());
    p.gate_up = input.data_ptr();
    p.y = y.data_ptr();
    ck::swiglu_forward(p, at::cuda::getCurrentCUDAStream());
    ctx->save_for_backward({input});
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto input = ctx->get_saved_variables()[0];
    const c10::cuda::CUDAGuard guard(input.device());
    auto dy = grads[0].to(input.scalar_type()).contiguous();
    auto d_gate_up = torch::empty_like(input);
    auto p = problem_for(input);
    p.gate_up = input.data_ptr();
    p.dy = dy.data_ptr();
    p.d_gate_up = d_gate_up.data_ptr();
    ck::swiglu_backward(p, at::cuda::getCurrentCUDAStream());
    return {d_gate_up};
  }
};

}  // namespace

torch::Tensor cuda_swiglu(const torch::Tensor& gate_up) { return SwigluFunction::apply(gate_up); }

}  // namespace gatelab::variants
