// Metric probes: read-only measurements of a model on an evaluation batch (docs/RESEARCH.md 2.1). Each probe reads the
// per-layer LayerProbe records the model filled in forward_with_probes and appends result rows.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "harness/util/registry.h"
#include "results/store.h"
#include "variants/model/language_model.h"

namespace gatelab::probes {

struct ProbeSettings {  // from probes.* of the resolved config (the schema holds the defaults)
  double saturation_eps;
  int64_t histogram_bins;
};

struct ProbeRows {
  std::vector<results::GateStatRow> gate_stats;
  std::vector<results::GateHistogramRow> gate_histograms;
  std::map<int64_t, results::LayerStatRow> layer_stats;  // by layer; probes fill their own columns
  std::vector<results::MetricRow> metrics;               // model-level summaries (split 'valid')
};

class Probe {
 public:
  virtual ~Probe() = default;
  virtual void measure(const std::vector<variants::LayerProbe>& layers, const ProbeSettings& settings, int64_t step,
                       ProbeRows& out) const = 0;
};

using ProbeFactory = std::unique_ptr<Probe> (*)();
const Registry<ProbeFactory>& probe_registry();

// Runs every registered probe.
ProbeRows measure_all(const std::vector<variants::LayerProbe>& layers, const ProbeSettings& settings, int64_t step);

// The layer_stats row for `layer`, created with the layer's attention kind on first use.
results::LayerStatRow& layer_row(ProbeRows& out, const std::vector<variants::LayerProbe>& layers, int64_t layer,
                                 int64_t step);

}  // namespace gatelab::probes
