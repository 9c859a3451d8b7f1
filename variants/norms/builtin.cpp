// The registered readout normalizations: the one place a norm is named.
#include "variants/catalog.h"
#include "variants/norms/readout_norm.h"

namespace gatelab::variants {

std::shared_ptr<ReadoutNorm> make_no_norm(const ReadoutNormSpec&);             // none.cpp
std::shared_ptr<ReadoutNorm> make_denominator_norm(const ReadoutNormSpec&);    // denominator.cpp
std::shared_ptr<ReadoutNorm> make_rms_readout_norm(const ReadoutNormSpec&);    // rms_norm.cpp
std::shared_ptr<ReadoutNorm> make_layer_readout_norm(const ReadoutNormSpec&);  // layer_norm.cpp
std::shared_ptr<ReadoutNorm> make_group_readout_norm(const ReadoutNormSpec&);  // group_norm.cpp

const Registry<ReadoutNormFactory>& readout_norms() {
  static const Registry<ReadoutNormFactory> registry(
      "readout norm", {
                          {"none", "no normalization", make_no_norm},
                          {"denominator", "divide by phi(q_t) . z_t (classic linear attention)", make_denominator_norm},
                          {"rmsnorm", "per-head RMSNorm over value channels", make_rms_readout_norm},
                          {"layernorm", "per-head LayerNorm over value channels (GLA)", make_layer_readout_norm},
                          {"groupnorm", "GroupNorm, one group per head, per-channel affine", make_group_readout_norm},
                      });
  return registry;
}

std::vector<NameAndSummary> readout_norm_catalog() { return readout_norms().summaries(); }

}  // namespace gatelab::variants
