// The small model spec the layer-level tests build their layers from: one linear layer, d 16, 2 heads, short chunks
// (so a 37-step sequence spans several chunks and sub-chunks), from the schema's defaults for everything else.
#pragma once

#include "harness/config/model_spec.h"

namespace gatelab::test {

inline variants::ModelSpec small_layer_spec() {
  variants::ModelSpec spec = config::default_model_spec(256);
  spec.d_model = 16;
  spec.n_heads = 2;
  spec.n_layers = 1;
  spec.max_positions = 48;
  spec.layer_kinds = {variants::AttentionKind::Linear};
  spec.attn.chunk_size = 16;
  spec.attn.sub_chunk_size = 4;
  return spec;
}

}  // namespace gatelab::test
