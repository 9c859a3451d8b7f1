// The registered probes: the one place a metric probe is named. One line per probe: COMPONENT(factory, name,
// summary), the factory defined in the probe's own file (harness/util/registry.h explains the list).
#include "harness/probes/probe.h"

#define GATELAB_PROBES(COMPONENT) \
  COMPONENT(make_gate_saturation_probe, "gate_saturation", \
            "gate value mean, saturation share (< eps, > 1 - eps), quantiles, histograms per layer/head") \
  COMPONENT(make_first_token_share_probe, "first_token_share", \
            "F-Attn: attention mass on the first token, per softmax layer") \
  COMPONENT(make_max_activation_probe, "max_activation", "M-Act: max |h| of the residual stream after each layer") \
  COMPONENT(make_output_sparsity_probe, "output_sparsity", \
            "share of gated attention outputs with |y| < 1e-2 and < 1e-3") \
  /* one COMPONENT line per component above this line */

namespace gatelab::probes {

using ComponentType = std::remove_pointer_t<ProbeFactory>;
GATELAB_PROBES(GATELAB_DECLARE_COMPONENT)

const Registry<ProbeFactory>& probe_registry() {
  static const Registry<ProbeFactory> registry("probe", {GATELAB_PROBES(GATELAB_REGISTRY_ENTRY)});
  return registry;
}

ProbeRows measure_all(const std::vector<variants::LayerProbe>& layers, const ProbeSettings& settings, int64_t step) {
  ProbeRows rows;
  for (const auto& entry : probe_registry().entries()) entry.make()->measure(layers, settings, step, rows);
  return rows;
}

results::LayerStatRow& layer_row(ProbeRows& out, const std::vector<variants::LayerProbe>& layers, int64_t layer,
                                 int64_t step) {
  auto it = out.layer_stats.find(layer);
  if (it == out.layer_stats.end()) {
    results::LayerStatRow row;
    row.step = step;
    row.layer = layer;
    row.attn_kind = layers[static_cast<size_t>(layer)].attn_kind;
    it = out.layer_stats.emplace(layer, row).first;
  }
  return it->second;
}

}  // namespace gatelab::probes
