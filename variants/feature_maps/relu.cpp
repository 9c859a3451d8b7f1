// phi(x) = relu(x): ReGLA's "linear + ReLU" baseline.
#include "variants/feature_maps/feature_map.h"

namespace gatelab::variants {

namespace {
class ReluMap : public FeatureMap {
 public:
  explicit ReluMap(const FeatureMapSpec& spec) : dim_(spec.head_key_dim) {}
  torch::Tensor map_queries(const torch::Tensor& q) override { return torch::relu(q); }
  MappedKeys map_keys(const torch::Tensor& k) override { return {torch::relu(k), {}}; }
  int64_t feature_dim() const override { return dim_; }
  double default_scale() const override { return 1.0 / std::sqrt(static_cast<double>(dim_)); }

 private:
  int64_t dim_;
};
}  // namespace

std::shared_ptr<FeatureMap> make_relu_map(const FeatureMapSpec& spec) { return std::make_shared<ReluMap>(spec); }

}  // namespace gatelab::variants
