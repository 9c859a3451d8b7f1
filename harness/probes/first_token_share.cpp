// First-token attention share F-Attn (docs/RESEARCH.md 2.1): per softmax layer, the mean over heads and query positions
// i >= 1 of A[h, i, 0]; summary valid/first_token_share is the mean over softmax layers.
#include "harness/probes/probe.h"

namespace gatelab::probes {

namespace {
class FirstTokenShareProbe : public Probe {
 public:
  void measure(const std::vector<variants::LayerProbe>& layers, const ProbeSettings&, int64_t step,
               ProbeRows& out) const override {
    double sum = 0;
    int64_t count = 0;
    for (size_t layer = 0; layer < layers.size(); ++layer) {
      const auto& weights = layers[layer].attention_weights;  // [B, H, T, T]
      if (!weights.defined() || weights.size(2) < 2) continue;
      double share = weights.select(3, 0).slice(2, 1).to(torch::kFloat64).mean().item<double>();
      layer_row(out, layers, static_cast<int64_t>(layer), step).first_token_share = share;
      sum += share;
      ++count;
    }
    if (count) out.metrics.push_back({step, "valid", "first_token_share", sum / count});
  }
};
}  // namespace

std::unique_ptr<Probe> make_first_token_share_probe() { return std::make_unique<FirstTokenShareProbe>(); }

}  // namespace gatelab::probes
