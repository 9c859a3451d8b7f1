// The kinds of `gatelab plot`: the one place a plot is named.
#include "analysis/plots/plot.h"

namespace gatelab::analysis {

std::unique_ptr<Plot> make_loss_curves_plot();      // plots/loss_curves.cpp
std::unique_ptr<Plot> make_gate_histograms_plot();  // plots/gate_histograms.cpp
std::unique_ptr<Plot> make_gate_saturation_plot();  // plots/gate_saturation.cpp
std::unique_ptr<Plot> make_sinks_plot();            // plots/sinks.cpp
std::unique_ptr<Plot> make_mqar_accuracy_plot();    // plots/mqar_accuracy.cpp

const Registry<PlotFactory>& plot_registry() {
  static const Registry<PlotFactory> registry(
      "plot",
      {
          {"loss_curves",
           "a metric (default: validation loss) against step, curves coloured by one ablation axis (--by)",
           make_loss_curves_plot},
          {"gate_histograms", "histograms of gate values per layer at the last evaluation, one picture per run",
           make_gate_histograms_plot},
          {"gate_saturation", "gate saturation share and mean gate value (5-95% band) by layer",
           make_gate_saturation_plot},
          {"sinks", "first-token attention share and max activation by layer, ungated baseline vs gated",
           make_sinks_plot},
          {"mqar_accuracy", "MQAR accuracy at the best lr vs d_model, one panel per (L, D)", make_mqar_accuracy_plot},
      });
  return registry;
}

const std::vector<std::string>& groupable_axes() {
  static const std::vector<std::string> axes = {
      "variant",          "attn_kind",       "feature_map", "norm", "gate",    "gate_position",
      "gate_granularity", "gate_activation", "gated",       "task", "seq_len", "num_kv",
      "d_model",          "n_layers",        "lr",          "seed"};
  return axes;
}

}  // namespace gatelab::analysis
