#include "variants/convolution/long_conv.h"

#include <cmath>

#include "harness/util/errors.h"
#include "variants/model/layers.h"

namespace gatelab::variants {

ImplicitLongConvImpl::ImplicitLongConvImpl(int64_t channels, int64_t max_len) {
  const auto L = static_cast<double>(max_len);
  auto t = torch::arange(max_len, torch::kFloat64);                      // [L]
  auto w = 2.0 * M_PI * t / L;                                           // Zoology: 2 pi t / L
  auto time = max_len > 1 ? t / (L - 1.0) : torch::zeros_like(t);        // linspace(0, 1, L)
  auto code = torch::stack({time, (1e-4 * w).cos(), -(1e-4 * w).sin()}, 1);  // [L, 3]: one band at f = 1e-4
  code_ = register_buffer("code", code.to(torch::kFloat32));
  // Zoology initialises every nn.Linear N(0, 0.02) with a zero bias.
  hidden_ = register_module("hidden", make_projection(3, 16, /*bias=*/true));
  out_ = register_module("out", make_projection(16, channels, /*bias=*/true));
}

torch::Tensor ImplicitLongConvImpl::filter(int64_t length) {
  if (length > code_.size(0))
    throw Error("long convolution: sequence of " + std::to_string(length) + " tokens > its max length " +
                std::to_string(code_.size(0)));
  return out_(torch::relu(hidden_(code_.narrow(0, 0, length))));  // [T, C]
}

torch::Tensor ImplicitLongConvImpl::forward(const torch::Tensor& u) {
  const int64_t T = u.size(1), n = 2 * T;  // zero padding to 2T makes the circular convolution a causal linear one
  auto h = filter(T).to(torch::kFloat32).t();     // [C, T]
  auto x = u.to(torch::kFloat32).transpose(1, 2);  // [B, C, T]
  auto product = torch::fft::rfft(x, n) * torch::fft::rfft(h, n);
  auto y = torch::fft::irfft(product, n).narrow(-1, 0, T);  // [B, C, T]
  return (y.transpose(1, 2) + u.to(torch::kFloat32)).to(u.scalar_type());
}

torch::Tensor ImplicitLongConvImpl::forward_continued(const torch::Tensor& u, torch::Tensor& history) {
  history = history.defined() ? torch::cat({history, u.detach()}, 1) : u.detach();  // [B, L + T, C]
  return forward(history).narrow(1, history.size(1) - u.size(1), u.size(1));        // [B, T, C]
}

torch::Tensor long_conv_reference(const torch::Tensor& u, const torch::Tensor& h) {
  const int64_t T = u.size(1);
  auto t = torch::arange(T, torch::kLong);
  auto lag = t.unsqueeze(1) - t.unsqueeze(0);                          // [T, T] t - s
  auto causal = (lag >= 0).to(h.scalar_type());                        // [T, T]
  auto toeplitz = h.index({lag.clamp_min(0)}) * causal.unsqueeze(-1);  // [T, T, C]: h_{t-s} for s <= t
  return u + torch::einsum("tsc,bsc->btc", {toeplitz, u});
}

}  // namespace gatelab::variants
