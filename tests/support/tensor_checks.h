// Tensor comparisons shared by the torch-side tests: one definition of "close", with the tolerance stated by the
// caller next to its justification.
#pragma once

#include <torch/torch.h>

#include <string>

namespace gatelab::test {

// max |a - b| / (max |b| + tiny): one relative error for the whole tensor, so values near zero do not dominate.
inline double relative_error(const torch::Tensor& a, const torch::Tensor& b) {
  auto a64 = a.detach().to(torch::kFloat64), b64 = b.detach().to(torch::kFloat64);
  return (a64 - b64).abs().max().item<double>() / (b64.abs().max().item<double>() + 1e-12);
}

inline bool all_finite(const torch::Tensor& x) { return torch::isfinite(x.detach()).all().item<bool>(); }

// The name a test's sections and messages give a floating-point dtype.
inline const char* dtype_name(torch::ScalarType t) {
  return t == torch::kFloat32 ? "fp32" : t == torch::kFloat16 ? "fp16" : t == torch::kBFloat16 ? "bf16" : "fp64";
}

}  // namespace gatelab::test
