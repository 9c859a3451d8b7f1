// The thin CUDA bindings' one mapping from a torch dtype onto the kernels' ElementType (variants/cuda_element_type.h,
// which the torch-free .cu files include); `who` names the binding in the error.
#pragma once

#include <torch/torch.h>

#include <string>

#include "harness/util/errors.h"
#include "variants/cuda_element_type.h"

namespace gatelab::variants {

inline cuda_kernels::ElementType element_type_of(const torch::Tensor& t, const std::string& who) {
  switch (t.scalar_type()) {
    case torch::kFloat32: return cuda_kernels::ElementType::f32;
    case torch::kFloat16: return cuda_kernels::ElementType::f16;
    case torch::kBFloat16: return cuda_kernels::ElementType::bf16;
    default:
      throw UserError(who + ": dtype " + std::string(c10::toString(t.scalar_type())) +
                      " not supported; valid: float32, float16, bfloat16");
  }
}

}  // namespace gatelab::variants
