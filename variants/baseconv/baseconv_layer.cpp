#include "variants/baseconv/baseconv_layer.h"

#include "variants/model/layers.h"

namespace gatelab::variants {

BaseConvLayer::BaseConvLayer(const ModelSpec& spec, bool long_conv) {
  const int64_t d = spec.d_model;
  if (long_conv) long_conv_ = register_module("conv", ImplicitLongConv(d, spec.max_positions));
  else short_conv_ = register_module("conv", ShortConv(d, spec.attn.baseconv_kernel, /*bias=*/true));
  projection_ = register_module("projection", make_projection(d, d, /*bias=*/true));  // Zoology: N(0, 0.02), bias 0
}

torch::Tensor BaseConvLayer::forward(const torch::Tensor& u, LayerProbe* probe) {
  auto conv = long_conv_ ? long_conv_(u) : short_conv_(u);  // [B, T, d]
  if (probe) probe->attn_kind = "baseconv";
  return conv * projection_(u) + u;
}

torch::Tensor BaseConvLayer::forward_cached(const torch::Tensor& u, LayerCache& cache) {
  // The short conv carries its last K-1 inputs; the long one every input so far.
  auto conv = long_conv_ ? long_conv_->forward_continued(u, cache.history) : short_conv_(u, &cache.conv);  // [B, T, d]
  return conv * projection_(u) + u;
}

}  // namespace gatelab::variants
