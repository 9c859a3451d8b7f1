// Based's second-order Taylor feature map (Arora et al. 2024, zoology/mixers/feature_maps/taylor.py):
//   phi(x) = [1, x / d^(1/4), vec(x x^T) / (sqrt(2) sqrt(d))]     (d = the key dim per head, 1 + d + d^2 features)
// so that phi(q) . phi(k) = 1 + q.k / sqrt(d) + (q.k)^2 / (2 d), the Taylor expansion of exp(q.k / sqrt(d)) to
// second order. Based projects q and k to a small feature_dim per head (model.attn.feature_dim, 8 or 16) and
// normalizes with the denominator; the map already carries the 1/sqrt(d) scale, so its default score scale is 1.
#include <cmath>

#include "variants/feature_maps/feature_map.h"

namespace gatelab::variants {

namespace {
class TaylorMap : public FeatureMap {
 public:
  explicit TaylorMap(const FeatureMapSpec& spec) : dim_(spec.head_key_dim) {}
  torch::Tensor map_queries(const torch::Tensor& q) override { return expand(q); }
  MappedKeys map_keys(const torch::Tensor& k) override { return {expand(k), {}}; }
  int64_t feature_dim() const override { return 1 + dim_ + dim_ * dim_; }
  double default_scale() const override { return 1.0; }

 private:
  torch::Tensor expand(const torch::Tensor& x) {  // [B, T, H, d] -> [B, T, H, 1 + d + d^2]
    const double rd = std::sqrt(static_cast<double>(dim_)), rrd = std::sqrt(rd);
    auto second = (x.unsqueeze(-1) * x.unsqueeze(-2)).flatten(-2) / (std::sqrt(2.0) * rd);  // [B, T, H, d^2]
    return torch::cat({torch::ones_like(x.narrow(-1, 0, 1)), x / rrd, second}, -1);
  }
  int64_t dim_;
};
}  // namespace

std::shared_ptr<FeatureMap> make_taylor_map(const FeatureMapSpec& spec) { return std::make_shared<TaylorMap>(spec); }

}  // namespace gatelab::variants
