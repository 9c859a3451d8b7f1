// phi(x) = elu(x) + 1 (Katharopoulos et al. 2020): positive, so a denominator stays positive.
#include "variants/feature_maps/feature_map.h"

namespace gatelab::variants {

namespace {
class EluPlusOneMap : public FeatureMap {
 public:
  explicit EluPlusOneMap(const FeatureMapSpec& spec) : dim_(spec.head_key_dim) {}
  torch::Tensor map_queries(const torch::Tensor& q) override { return torch::elu(q) + 1; }
  MappedKeys map_keys(const torch::Tensor& k) override { return {torch::elu(k) + 1, {}}; }
  int64_t feature_dim() const override { return dim_; }
  double default_scale() const override { return 1.0 / std::sqrt(static_cast<double>(dim_)); }

 private:
  int64_t dim_;
};
}  // namespace

std::shared_ptr<FeatureMap> make_elu_plus_one_map(const FeatureMapSpec& spec) {
  return std::make_shared<EluPlusOneMap>(spec);
}

}  // namespace gatelab::variants
