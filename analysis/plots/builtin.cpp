// The kinds of `gatelab plot`: the one place a plot is named. One line per plot: COMPONENT(factory, name, summary),
// the factory defined in the plot's own file (harness/util/registry.h explains the list).
#include <algorithm>

#include "analysis/datasets.h"
#include "analysis/plots/plot.h"
#include "harness/util/errors.h"

#define GATELAB_PLOTS(COMPONENT) \
  COMPONENT(make_loss_curves_plot, "loss_curves", \
            "a metric (default: validation loss) against step, curves coloured by one ablation axis (--by)") \
  COMPONENT(make_gate_histograms_plot, "gate_histograms", \
            "histograms of gate values per layer at the first, middle and last evaluation, one picture per run") \
  COMPONENT(make_gate_saturation_plot, "gate_saturation", \
            "gate saturation share and mean gate value (5-95% band) by layer") \
  COMPONENT(make_sinks_plot, "sinks", \
            "first-token attention share and max activation by layer, ungated baseline vs gated") \
  COMPONENT(make_mqar_accuracy_plot, "mqar_accuracy", "MQAR accuracy at the best lr vs d_model, one panel per (L, D)") \
  /* one COMPONENT line per component above this line */

namespace gatelab::analysis {

using ComponentType = std::remove_pointer_t<PlotFactory>;
GATELAB_PLOTS(GATELAB_DECLARE_COMPONENT)

const Registry<PlotFactory>& plot_registry() {
  static const Registry<PlotFactory> registry("plot", {GATELAB_PLOTS(GATELAB_REGISTRY_ENTRY)});
  return registry;
}

const std::vector<std::string>& x_axes() {
  static const std::vector<std::string> axes = {"step", "tokens", "time"};
  return axes;
}

std::string chosen_metric(const Plot& plot, const std::string& kind, const PlotRequest& request) {
  const auto choices = plot.metrics();
  if (choices.empty()) {
    const std::string metric = request.metric.empty() ? "loss" : request.metric;
    check_metric_key(*request.db, metric);
    return metric;
  }
  if (request.metric.empty()) return "";
  if (std::find(choices.begin(), choices.end(), request.metric) == choices.end())
    throw UserError(unknown_name_message(kind + " metric", request.metric, choices));
  return request.metric;
}

const std::vector<std::string>& groupable_axes() {
  static const std::vector<std::string> axes = {
      "variant",          "attn_kind",       "feature_map", "norm", "gate",    "gate_position",
      "gate_granularity", "gate_activation", "gated",       "task", "seq_len", "num_kv",
      "d_model",          "n_layers",        "lr",          "seed"};
  return axes;
}

}  // namespace gatelab::analysis
