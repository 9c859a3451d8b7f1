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

class FeatureMap : public torch::nn::Module {
 public:
  virtual torch::Tensor map_queries(const torch::Tensor& q) = 0;  // [B, T, H, K] -> [B, T, H, M]
  virtual MappedKeys map_keys(const torch::Tensor& k) = 0;        // [B, T, H, K] -> [B, T, H, M]
  virtual int64_t feature_dim() const = 0;                        // M
  // The score scale when the config leaves it at 0: (d_k/H)^-1/2 for most maps, ReGLA's variance reduction.
  virtual double default_scale() const = 0;
};

using FeatureMapFactory = std::shared_ptr<FeatureMap> (*)(const FeatureMapSpec&);
const Registry<FeatureMapFactory>& feature_maps();

}  // namespace gatelab::variants
