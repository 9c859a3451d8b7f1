// Feature map phi applied to queries and keys of linear attention (docs/RESEARCH.md 1.3).
#pragma once

#include <torch/torch.h>

#include <memory>

#include "harness/util/registry.h"

namespace gatelab::variants {

struct FeatureMapSpec {
  int64_t head_key_dim;  // K per head before the map
  // ReGLA's key max: true = causal running max (state rescaled through an extra log-decay), false = max over the
  // whole sequence (one constant per sequence; only causal under a scale-invariant readout).
  bool running_max;
};

struct MappedKeys {
  torch::Tensor phi_k;      // [B, T, H, M]
  torch::Tensor log_decay;  // [B, T, H] extra log-decay (<= 0) on every key row, or undefined. A running max
                            // expresses S relative to the max so far: S_t = e^{M_{t-1} - M_t} S_{t-1} + ...
};

// What a feature map carries from one chunk of a sequence to the next (incremental decoding).
struct FeatureMapState {
  torch::Tensor key_max;  // [B, H] ReGLA's running key max M_{t-1}; undefined: the start of a sequence
};

class FeatureMap : public torch::nn::Module {
 public:
  virtual torch::Tensor map_queries(const torch::Tensor& q) = 0;  // [B, T, H, K] -> [B, T, H, M]
  virtual MappedKeys map_keys(const torch::Tensor& k) = 0;        // [B, T, H, K] -> [B, T, H, M]
  // map_keys for a chunk continuing the sequence whose past `state` summarises, updating it: mapping 0..T equals
  // mapping 0..t then t..T. Maps that look at one token at a time carry nothing (every map but ReGLA's).
  virtual MappedKeys map_keys_continued(const torch::Tensor& k, FeatureMapState& state) {
    (void)state;
    return map_keys(k);
  }
  virtual int64_t feature_dim() const = 0;                        // M
  // The score scale when the config leaves it at 0: (d_k/H)^-1/2 for most maps, ReGLA's variance reduction.
  virtual double default_scale() const = 0;
};

using FeatureMapFactory = std::shared_ptr<FeatureMap> (*)(const FeatureMapSpec&);
const Registry<FeatureMapFactory>& feature_maps();

}  // namespace gatelab::variants
