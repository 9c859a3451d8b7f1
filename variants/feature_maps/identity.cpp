// phi(x) = x: GLA's default (no denominator then).
#include "variants/feature_maps/feature_map.h"

namespace gatelab::variants {

namespace {
class IdentityMap : public FeatureMap {
 public:
  explicit IdentityMap(const FeatureMapSpec& spec) : dim_(spec.head_key_dim) {}
  torch::Tensor map_queries(const torch::Tensor& q) override { return q; }
  MappedKeys map_keys(const torch::Tensor& k) override { return {k, {}}; }
  int64_t feature_dim() const override { return dim_; }
  double default_scale() const override { return 1.0 / std::sqrt(static_cast<double>(dim_)); }

 private:
  int64_t dim_;
};
}  // namespace

std::shared_ptr<FeatureMap> make_identity_map(const FeatureMapSpec& spec) {
  return std::make_shared<IdentityMap>(spec);
}

}  // namespace gatelab::variants
