// Gate statistics (docs/RESEARCH.md 2.1): for every gate quantity a layer exposes (alpha, alpha_v, g, r, F of linear gates;
// the softmax gate score "gate"), per head and over all heads: mean, share below eps and above 1 - eps, quantiles,
// and a histogram over [0, 1]. Summaries: valid/gate_saturation (mean over linear layers of the saturated share of
// alpha) and valid/gate_score (mean softmax gate activation).
#include "harness/probes/probe.h"

namespace gatelab::probes {

namespace {

// torch::quantile refuses inputs above 16M elements; a strided subsample keeps quantiles exact enough and cheap.
torch::Tensor sample_for_quantiles(const torch::Tensor& flat) {
  constexpr int64_t kMax = 1 << 20;
  if (flat.numel() <= kMax) return flat;
  return flat.slice(0, 0, flat.numel(), (flat.numel() + kMax - 1) / kMax);
}

results::GateStatRow stats_of(const torch::Tensor& values, double eps) {
  auto flat = values.detach().to(torch::kFloat32).reshape({-1}).cpu();
  auto q = torch::quantile(sample_for_quantiles(flat), torch::tensor({0.05, 0.5, 0.95}, torch::kFloat32));
  results::GateStatRow row{};
  row.mean = flat.mean().item<double>();
  row.sat_low = (flat < eps).to(torch::kFloat64).mean().item<double>();
  row.sat_high = (flat > 1.0 - eps).to(torch::kFloat64).mean().item<double>();
  row.q05 = q[0].item<double>();
  row.q50 = q[1].item<double>();
  row.q95 = q[2].item<double>();
  row.eps = eps;
  return row;
}

class GateSaturationProbe : public Probe {
 public:
  void measure(const std::vector<variants::LayerProbe>& layers, const ProbeSettings& s, int64_t step,
               ProbeRows& out) const override {
    double saturation_sum = 0, score_sum = 0;
    int64_t saturation_layers = 0, score_layers = 0;
    for (size_t layer = 0; layer < layers.size(); ++layer) {
      for (const auto& [quantity, values] : layers[layer].gate_values) {
        // values: [B, T, H, C]
        auto add = [&](results::GateStatRow row, int64_t head) {
          row.step = step;
          row.layer = static_cast<int64_t>(layer);
          row.head = head;
          row.quantity = quantity;
          out.gate_stats.push_back(row);
        };
        auto all = stats_of(values, s.saturation_eps);
        add(all, -1);
        for (int64_t h = 0; h < values.size(2); ++h) add(stats_of(values.select(2, h), s.saturation_eps), h);

        auto flat = values.detach().to(torch::kFloat32).reshape({-1}).cpu().clamp(0.0, 1.0);
        auto counts = torch::histc(flat, s.histogram_bins, 0.0, 1.0);
        for (int64_t b = 0; b < s.histogram_bins; ++b) {
          double lo = static_cast<double>(b) / s.histogram_bins, hi = static_cast<double>(b + 1) / s.histogram_bins;
          out.gate_histograms.push_back(
              {step, static_cast<int64_t>(layer), quantity, b, lo, hi, static_cast<int64_t>(counts[b].item<float>())});
        }
        if (quantity == "alpha") {
          saturation_sum += all.sat_low + all.sat_high;
          ++saturation_layers;
        } else if (quantity == "gate") {
          score_sum += all.mean;
          ++score_layers;
        }
      }
    }
    if (saturation_layers)
      out.metrics.push_back({step, "valid", "gate_saturation", saturation_sum / saturation_layers});
    if (score_layers) out.metrics.push_back({step, "valid", "gate_score", score_sum / score_layers});
  }
};

}  // namespace

std::unique_ptr<Probe> make_gate_saturation_probe() { return std::make_unique<GateSaturationProbe>(); }

}  // namespace gatelab::probes
