// What incremental decoding carries between calls of forward_cached: a prefill is one call over the context, a decode
// step one call over one new token, and any split of a sequence into chunks gives the logits of the full forward
// (tests/variants/incremental_decoding_test.cpp). Each layer kind fills only the fields it needs; an empty cache is
// the start of a sequence.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "variants/convolution/short_conv.h"
#include "variants/feature_maps/feature_map.h"

namespace gatelab::variants {

struct LayerCache {
  // Softmax attention: keys (after RoPE) and values of every position so far, [B, H, capacity, D], of which the
  // first `length` positions are filled. Allocated for `capacity` positions at once, so a decode step writes one
  // slot instead of copying the whole cache.
  torch::Tensor keys, values;
  int64_t length = 0;
  int64_t capacity = 0;  // the positions to allocate on first use (ModelCache::capacity); grown by doubling beyond
  // Linear attention: the recurrent state S [B, H, K, V] fp32 (V + 1 columns with the denominator norm), and what
  // the feature map carries (ReGLA's running key max; gates and readout norms look at one token at a time).
  torch::Tensor state;
  FeatureMapState feature_map;
  // The short convolutions on q, k, v (model.attn.short_conv) and BaseConv's own short convolution.
  ConvState q_conv, k_conv, v_conv, conv;
  // baseconv_long: every input so far [B, L, d]; its filter spans the whole sequence, so there is no smaller state.
  torch::Tensor history;

  // Bytes of what the cache holds for its sequences (the filled part of the KV cache, not its spare capacity).
  int64_t bytes() const;
};

struct ModelCache {
  std::vector<LayerCache> layers;  // one per block, made on the first forward_cached
  int64_t position = 0;            // tokens seen so far: the absolute position of the next token
  int64_t capacity = 0;            // positions to allocate KV caches for up front (0: the first chunk's length)

  int64_t bytes() const;  // all layers, all sequences of the batch
};

}  // namespace gatelab::variants
