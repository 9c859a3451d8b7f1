// The registered probes: the one place a metric probe is named.
#include "harness/probes/probe.h"

namespace gatelab::probes {

std::unique_ptr<Probe> make_gate_saturation_probe();    // gate_saturation.cpp
std::unique_ptr<Probe> make_first_token_share_probe();  // first_token_share.cpp
std::unique_ptr<Probe> make_max_activation_probe();     // max_activation.cpp
std::unique_ptr<Probe> make_output_sparsity_probe();    // output_sparsity.cpp

const Registry<ProbeFactory>& probe_registry() {
  static const Registry<ProbeFactory> registry(
      "probe",
      {
          {"gate_saturation",
           "gate value mean, saturation share (< eps, > 1 - eps), quantiles, histograms per layer/head",
           make_gate_saturation_probe},
          {"first_token_share", "F-Attn: attention mass on the first token, per softmax layer",
           make_first_token_share_probe},
          {"max_activation", "M-Act: max |h| of the residual stream after each layer", make_max_activation_probe},
          {"output_sparsity", "share of gated attention outputs with |y| < 1e-2 and < 1e-3",
           make_output_sparsity_probe},
      });
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
