// The registered feature maps: the one place a feature map is named.
#include "variants/catalog.h"
#include "variants/feature_maps/feature_map.h"

namespace gatelab::variants {

std::shared_ptr<FeatureMap> make_identity_map(const FeatureMapSpec&);      // identity.cpp
std::shared_ptr<FeatureMap> make_elu_plus_one_map(const FeatureMapSpec&);  // elu_plus_one.cpp
std::shared_ptr<FeatureMap> make_relu_map(const FeatureMapSpec&);          // relu.cpp
std::shared_ptr<FeatureMap> make_regla_exp_map(const FeatureMapSpec&);     // regla_exp.cpp

const Registry<FeatureMapFactory>& feature_maps() {
  static const Registry<FeatureMapFactory> registry(
      "feature map", {
                         {"identity", "phi(x) = x (GLA default)", make_identity_map},
                         {"elu1", "phi(x) = elu(x) + 1 (Katharopoulos 2020)", make_elu_plus_one_map},
                         {"relu", "phi(x) = relu(x)", make_relu_map},
                         {"regla", "ReGLA normalized exponential with variance-reduction scale", make_regla_exp_map},
                     });
  return registry;
}

std::vector<NameAndSummary> feature_map_catalog() { return feature_maps().summaries(); }

}  // namespace gatelab::variants
