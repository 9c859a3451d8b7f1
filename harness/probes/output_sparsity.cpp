// Output sparsity of gated softmax attention (docs/RESEARCH.md 2.1): share of gated output values with |y| < 1e-2 and
// < 1e-3, per gated layer.
#include "harness/probes/probe.h"

namespace gatelab::probes {

namespace {
class OutputSparsityProbe : public Probe {
 public:
  void measure(const std::vector<variants::LayerProbe>& layers, const ProbeSettings&, int64_t step,
               ProbeRows& out) const override {
    for (size_t layer = 0; layer < layers.size(); ++layer) {
      const auto& y = layers[layer].gated_output;
      if (!y.defined()) continue;
      auto magnitude = y.abs().to(torch::kFloat32);
      auto& row = layer_row(out, layers, static_cast<int64_t>(layer), step);
      row.output_sparsity_1e2 = (magnitude < 1e-2).to(torch::kFloat64).mean().item<double>();
      row.output_sparsity_1e3 = (magnitude < 1e-3).to(torch::kFloat64).mean().item<double>();
    }
  }
};
}  // namespace

std::unique_ptr<Probe> make_output_sparsity_probe() { return std::make_unique<OutputSparsityProbe>(); }

}  // namespace gatelab::probes
