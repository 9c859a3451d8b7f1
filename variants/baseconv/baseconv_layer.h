// Zoology's BaseConv sequence mixer (zoology/mixers/base_conv.py; docs/RESEARCH.md 3):
//   y = Conv(u) ⊙ Linear(u) + u
// Conv is a causal depthwise short convolution of width model.attn.baseconv_kernel (layer kind baseconv, with bias as
// PyTorch's nn.Conv1d) or the implicit long convolution (baseconv_long). Zoology's MQAR models alternate it with the
// mixer under test: model.layers [baseconv, linear] is its Hybrid([BaseConv, mixer]).
#pragma once

#include "variants/convolution/long_conv.h"
#include "variants/convolution/short_conv.h"
#include "variants/model/language_model.h"

namespace gatelab::variants {

class BaseConvLayer : public AttentionLayer {
 public:
  BaseConvLayer(const ModelSpec& spec, bool long_conv);
  torch::Tensor forward(const torch::Tensor& u, LayerProbe* probe) override;  // u: [B, T, d]
  torch::Tensor forward_cached(const torch::Tensor& u, LayerCache& cache) override;

 private:
  ShortConv short_conv_{nullptr};
  ImplicitLongConv long_conv_{nullptr};
  torch::nn::Linear projection_{nullptr};
};

}  // namespace gatelab::variants
