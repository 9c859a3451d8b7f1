#include "variants/model/decoding_cache.h"

namespace gatelab::variants {

namespace {
int64_t bytes_of(const torch::Tensor& t) {
  return t.defined() ? t.numel() * static_cast<int64_t>(t.element_size()) : 0;
}
}  // namespace

int64_t LayerCache::bytes() const {
  int64_t n = bytes_of(state) + bytes_of(feature_map.key_max) + bytes_of(history);
  for (const ConvState* c : {&q_conv, &k_conv, &v_conv, &conv}) n += bytes_of(c->tail);
  if (keys.defined()) n += bytes_of(keys.narrow(2, 0, length)) + bytes_of(values.narrow(2, 0, length));
  return n;
}

int64_t ModelCache::bytes() const {
  int64_t n = 0;
  for (const auto& layer : layers) n += layer.bytes();
  return n;
}

}  // namespace gatelab::variants
