// The registered feature maps: the one place a feature map is named. One line per map: COMPONENT(factory, name,
// summary), the factory defined in the map's own file (harness/util/registry.h explains the list).
#include "variants/catalog.h"
#include "variants/feature_maps/feature_map.h"

#define GATELAB_FEATURE_MAPS(COMPONENT) \
  COMPONENT(make_identity_map, "identity", "phi(x) = x (GLA default)") \
  COMPONENT(make_elu_plus_one_map, "elu1", "phi(x) = elu(x) + 1 (Katharopoulos 2020)") \
  COMPONENT(make_relu_map, "relu", "phi(x) = relu(x)") \
  COMPONENT(make_regla_exp_map, "regla", "ReGLA normalized exponential with variance-reduction scale") \
  COMPONENT(make_taylor_map, "taylor", "Based's 2nd-order Taylor map [1, x/d^1/4, xx^T/(sqrt2 sqrt d)]: 1+d+d^2 dims") \
  /* one COMPONENT line per component above this line */

namespace gatelab::variants {

using ComponentType = std::remove_pointer_t<FeatureMapFactory>;
GATELAB_FEATURE_MAPS(GATELAB_DECLARE_COMPONENT)

const Registry<FeatureMapFactory>& feature_maps() {
  static const Registry<FeatureMapFactory> registry("feature map", {GATELAB_FEATURE_MAPS(GATELAB_REGISTRY_ENTRY)});
  return registry;
}

std::vector<NameAndSummary> feature_map_catalog() { return feature_maps().summaries(); }

}  // namespace gatelab::variants
