// Max activation M-Act (docs/RESEARCH.md 2.1): per layer, max over tokens and channels of |h_l|, the residual stream
// after layer l; summary valid/max_activation is the mean over layers.
#include "harness/probes/probe.h"

namespace gatelab::probes {

namespace {
class MaxActivationProbe : public Probe {
 public:
  void measure(const std::vector<variants::LayerProbe>& layers, const ProbeSettings&, int64_t step,
               ProbeRows& out) const override {
    double sum = 0;
    for (size_t layer = 0; layer < layers.size(); ++layer) {
      double m = layers[layer].residual.abs().max().item<double>();
      layer_row(out, layers, static_cast<int64_t>(layer), step).max_activation = m;
      sum += m;
    }
    if (!layers.empty()) out.metrics.push_back({step, "valid", "max_activation", sum / layers.size()});
  }
};
}  // namespace

std::unique_ptr<Probe> make_max_activation_probe() { return std::make_unique<MaxActivationProbe>(); }

}  // namespace gatelab::probes
