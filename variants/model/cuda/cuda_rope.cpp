// Thin binding: checks, allocation, the stream and autograd around the torch-free RoPE kernel.
#include "variants/model/cuda/cuda_rope.h"

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include "harness/util/errors.h"
#include "variants/cuda_element_type_of.h"
#include "variants/model/cuda/rope_kernels.h"

namespace gatelab::variants {

namespace {

namespace ck = gatelab::cuda_kernels;

// y [B, T, H, D] = x rotated by +angle (inverse: -angle).
torch::Tensor rotate(const torch::Tensor& x, double theta, int64_t offset, bool inverse) {
  if (x.dim() != 4 || x.size(3) % 2 != 0) throw Error("cuda rope: x must be [B, T, H, D] with D even");
  if (!x.is_cuda()) throw Error("cuda rope: x must be a CUDA tensor");
  const c10::cuda::CUDAGuard guard(x.device());
  auto input = x.contiguous();
  auto y = torch::empty_like(input);
  ck::RopeProblem p;
  p.B = static_cast<int>(x.size(0));
  p.T = static_cast<int>(x.size(1));
  p.H = static_cast<int>(x.size(2));
  p.D = static_cast<int>(x.size(3));
  p.offset = offset;
  p.theta = static_cast<float>(theta);
  p.inverse = inverse;
  p.type = element_type_of(x, "cuda rope");
  p.x = input.data_ptr();
  p.y = y.data_ptr();
  ck::rope_rotate(p, at::cuda::getCurrentCUDAStream());
  return y;
}

class RopeFunction : public torch::autograd::Function<RopeFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, double theta,
                               int64_t offset) {
    ctx->saved_data["theta"] = theta;
    ctx->saved_data["offset"] = offset;
    return rotate(x, theta, offset, /*inverse=*/false);
  }

  // A rotation's transpose is its inverse: dx = R(-angle) dy.
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const double theta = ctx->saved_data["theta"].toDouble();
    const int64_t offset = ctx->saved_data["offset"].toInt();
    return {rotate(grads[0], theta, offset, /*inverse=*/true), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor cuda_rope(const torch::Tensor& x, double theta, int64_t offset) {
  return RopeFunction::apply(x, theta, offset);
}

}  // namespace gatelab::variants
