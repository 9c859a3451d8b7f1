// The registered readout normalizations: the one place a norm is named. One line per norm: COMPONENT(factory, name,
// summary), the factory defined in the norm's own file (harness/util/registry.h explains the list).
#include "variants/catalog.h"
#include "variants/norms/readout_norm.h"

#define GATELAB_READOUT_NORMS(COMPONENT) \
  COMPONENT(make_no_norm, "none", "no normalization") \
  COMPONENT(make_denominator_norm, "denominator", "divide by phi(q_t) . z_t (classic linear attention)") \
  COMPONENT(make_rms_readout_norm, "rmsnorm", "per-head RMSNorm over value channels") \
  COMPONENT(make_layer_readout_norm, "layernorm", "per-head LayerNorm over value channels (GLA)") \
  COMPONENT(make_group_readout_norm, "groupnorm", "GroupNorm, one group per head, per-channel affine") \
  /* one COMPONENT line per component above this line */

namespace gatelab::variants {

using ComponentType = std::remove_pointer_t<ReadoutNormFactory>;
GATELAB_READOUT_NORMS(GATELAB_DECLARE_COMPONENT)

const Registry<ReadoutNormFactory>& readout_norms() {
  static const Registry<ReadoutNormFactory> registry("readout norm", {GATELAB_READOUT_NORMS(GATELAB_REGISTRY_ENTRY)});
  return registry;
}

std::vector<NameAndSummary> readout_norm_catalog() { return readout_norms().summaries(); }

}  // namespace gatelab::variants
