// ReGLA's normalized exponential ("safe exp", docs/RESEARCH.md 1.3):
//   phi(q)_i = exp(q_i - max_j q_j)                      (max over features, per token)
//   phi(k)_i = exp(k_i - M)                              (M: max over features and positions, no gradient)
// with the variance-reduction scale 1 / (e sqrt(m (e^2 - 1))) on the q.k product. Both maps lie in (0, 1].
//
// The global M depends on the future. Under a scale-invariant readout it cancels; otherwise (running max) we use
// M_t = max over features and positions <= t, which is causal, and express the state relative to it:
//   S_t = e^{M_{t-1} - M_t} S_{t-1} + exp(k_t - M_t)^T v_t,
// i.e. an extra log-decay M_{t-1} - M_t <= 0 on every key row, which every kernel already knows how to apply.
#include <cmath>

#include "harness/util/errors.h"
#include "variants/feature_maps/feature_map.h"

namespace gatelab::variants {

namespace {
class ReglaExpMap : public FeatureMap {
 public:
  explicit ReglaExpMap(const FeatureMapSpec& spec) : dim_(spec.head_key_dim), running_max_(spec.running_max) {}

  torch::Tensor map_queries(const torch::Tensor& q) override {  // [B, T, H, K]
    auto max = std::get<0>(q.detach().max(-1, /*keepdim=*/true));
    return (q - max).exp();
  }

  MappedKeys map_keys(const torch::Tensor& k) override {  // [B, T, H, K]
    auto token_max = std::get<0>(k.detach().max(-1));     // [B, T, H]
    if (!running_max_) {
      auto m = std::get<0>(token_max.max(1, /*keepdim=*/true));  // [B, 1, H]
      return {(k - m.unsqueeze(-1)).exp(), {}};
    }
    auto m = std::get<0>(token_max.cummax(1));  // [B, T, H]  M_t
    // M_{t-1} - M_t with M_{-1} = M_0 (the state is empty before t = 0, so any value is exact).
    auto previous = torch::cat({m.narrow(1, 0, 1), m.narrow(1, 0, m.size(1) - 1)}, 1);
    return {(k - m.unsqueeze(-1)).exp(), previous - m};
  }

  // The running max over the carried M_{t-1} and this chunk: M_t = max(M_{t-1}, max of the chunk up to t).
  MappedKeys map_keys_continued(const torch::Tensor& k, FeatureMapState& state) override {  // [B, T, H, K]
    if (!running_max_)
      throw UserError(
          "incremental decoding needs model.attn.running_max running: ReGLA's global key max is taken over the whole "
          "sequence, so no prefix of it is known before the sequence ends");
    const int64_t T = k.size(1);
    auto token_max = std::get<0>(k.detach().max(-1));  // [B, T, H]
    // M_{-1}: the carried max, or M_0 at the start of a sequence (the state is empty then, so any value is exact).
    auto before = (state.key_max.defined() ? state.key_max : token_max.select(1, 0)).unsqueeze(1);  // [B, 1, H]
    auto m = std::get<0>(torch::cat({before, token_max}, 1).cummax(1)).narrow(1, 1, T);             // [B, T, H]
    auto previous = torch::cat({before, m.narrow(1, 0, T - 1)}, 1);                                 // M_{t-1}
    state.key_max = m.select(1, T - 1);
    return {(k - m.unsqueeze(-1)).exp(), previous - m};
  }

  int64_t feature_dim() const override { return dim_; }

  double default_scale() const override {
    const double e = std::exp(1.0);
    return 1.0 / (e * std::sqrt(static_cast<double>(dim_) * (e * e - 1.0)));
  }

 private:
  int64_t dim_;
  bool running_max_;
};
}  // namespace

std::shared_ptr<FeatureMap> make_regla_exp_map(const FeatureMapSpec& spec) {
  return std::make_shared<ReglaExpMap>(spec);
}

}  // namespace gatelab::variants
