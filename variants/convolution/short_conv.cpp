#include "variants/convolution/short_conv.h"

namespace gatelab::variants {

namespace {
// The K-1 inputs before x: the carried tail, or zeros at the start of a sequence.
torch::Tensor left_context(const torch::Tensor& x, int64_t kernel_size, const ConvState* state) {
  if (state && state->tail.defined()) return state->tail.to(x.scalar_type());
  return torch::zeros({x.size(0), kernel_size - 1, x.size(2)}, x.options());  // [B, K-1, C]
}
}  // namespace

ShortConvImpl::ShortConvImpl(int64_t channels, int64_t kernel_size, bool bias) : kernel_size_(kernel_size) {
  // LibTorch's default init (uniform in +-1/sqrt(K) for a depthwise conv), as PyTorch's nn.Conv1d in fla and Zoology.
  conv_ = register_module(
      "conv", torch::nn::Conv1d(torch::nn::Conv1dOptions(channels, channels, kernel_size).groups(channels).bias(bias)));
}

torch::Tensor ShortConvImpl::forward(const torch::Tensor& x, ConvState* state) {
  auto padded = torch::cat({left_context(x, kernel_size_, state), x}, 1);  // [B, K-1+T, C]
  if (state) state->tail = padded.narrow(1, padded.size(1) - (kernel_size_ - 1), kernel_size_ - 1).detach();
  return conv_(padded.transpose(1, 2)).transpose(1, 2);  // [B, T, C]
}

torch::Tensor short_conv_reference(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                   const torch::Tensor& tail) {
  const int64_t T = x.size(1), K = weight.size(2);
  ConvState state{tail};
  auto padded = torch::cat({left_context(x, K, &state), x}, 1);  // [B, K-1+T, C]
  auto y = torch::zeros_like(x);
  for (int64_t j = 0; j < K; ++j) y = y + padded.narrow(1, j, T) * weight.select(1, 0).select(1, j);  // [C] taps
  return bias.defined() ? y + bias : y;
}

}  // namespace gatelab::variants
