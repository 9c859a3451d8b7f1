// Normalization of the linear-attention readout, per head, before the output projection (docs/RESEARCH.md 1.4).
#pragma once

#include <torch/torch.h>

#include <memory>

#include "harness/util/registry.h"

namespace gatelab::variants {

struct ReadoutNormSpec {
  int64_t n_heads;
  int64_t head_value_dim;
  double eps;
};

class ReadoutNorm : public torch::nn::Module {
 public:
  // o: [B, T, H, V]; denominator: [B, T, H] = phi(q_t) . z_t, defined only when needs_denominator().
  virtual torch::Tensor forward(const torch::Tensor& o, const torch::Tensor& denominator) = 0;
  // The layer must also compute phi(q_t) . z_t (classic linear attention's normalizer).
  virtual bool needs_denominator() const { return false; }
  // Multiplying o_t by any positive constant leaves the output unchanged: a non-causal per-sequence key
  // constant (ReGLA's global max) then cancels.
  virtual bool scale_invariant() const = 0;
};

using ReadoutNormFactory = std::shared_ptr<ReadoutNorm> (*)(const ReadoutNormSpec&);
const Registry<ReadoutNormFactory>& readout_norms();

}  // namespace gatelab::variants
