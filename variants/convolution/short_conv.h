// Causal depthwise convolution along time, the local token mixing that linear attention needs for recall
// (docs/RESEARCH.md 3): y_t[c] = b[c] + sum_{j<K} w[c, j] x_{t-K+1+j}[c], with zeros (or a carried tail) before
// the sequence. Used on q, k, v of attention layers (model.attn.short_conv, with SiLU, as fla's use_short_conv) and
// inside Zoology's BaseConv.
#pragma once

#include <torch/torch.h>

namespace gatelab::variants {

// What a streamed convolution carries from one chunk of a sequence to the next.
struct ConvState {
  torch::Tensor tail;  // [B, K-1, C] the last K-1 inputs seen; undefined: zeros (the start of a sequence)
};

class ShortConvImpl : public torch::nn::Module {
 public:
  ShortConvImpl(int64_t channels, int64_t kernel_size, bool bias);
  // x: [B, T, C] -> [B, T, C]. With `state`, the chunk continues the sequence whose tail the state holds, and the
  // state is updated to this chunk's tail: running 0..T equals running 0..t then t..T.
  torch::Tensor forward(const torch::Tensor& x, ConvState* state = nullptr);
  int64_t kernel_size() const { return kernel_size_; }
  torch::Tensor weight() const { return conv_->weight; }  // [C, 1, K]
  torch::Tensor bias() const { return conv_->options.bias() ? conv_->bias : torch::Tensor(); }

 private:
  int64_t kernel_size_;
  torch::nn::Conv1d conv_{nullptr};
};
TORCH_MODULE(ShortConv);

// The plain reference: the sum over the K taps written out, one shifted slice per tap.
// x: [B, T, C], weight: [C, 1, K], bias: [C] or undefined, tail: [B, K-1, C] or undefined.
torch::Tensor short_conv_reference(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                   const torch::Tensor& tail = {});

}  // namespace gatelab::variants
