// Probes against hand-built layer records whose metrics are known by hand (docs/RESEARCH.md 2.1 definitions), and every
// registered probe on records that expose nothing optional (a plain layer must not crash any probe).
#include <catch2/catch.hpp>
#include <cmath>

#include "harness/probes/probe.h"

using namespace gatelab;

namespace {

// Layer 0: linear attention with a gate. Layer 1: softmax attention with a sigmoid gate.
std::vector<variants::LayerProbe> known_layers() {
  std::vector<variants::LayerProbe> layers(2);
  layers[0].attn_kind = "linear";
  // alpha: [B=1, T=2, H=2, C=2]; head 0 holds 0.0005, 0.5, 0.9995, 0.9 and head 1 holds 0.2 x4.
  layers[0].gate_values["alpha"] =
      torch::tensor({0.0005f, 0.5f, 0.2f, 0.2f, 0.9995f, 0.9f, 0.2f, 0.2f}).view({1, 2, 2, 2});
  layers[0].residual = torch::tensor({0.5f, -3.5f, 1.0f, 2.0f}).view({1, 2, 2});
  layers[1].attn_kind = "softmax";
  // [B=1, H=2, T=3, T=3], causal rows summing to 1.
  layers[1].attention_weights = torch::tensor({1.0f, 0.0f, 0.0f, 0.75f, 0.25f, 0.0f, 0.5f, 0.25f, 0.25f, 1.0f, 0.0f,
                                               0.0f, 0.25f, 0.75f, 0.0f, 0.1f, 0.2f, 0.7f})
                                    .view({1, 2, 3, 3});
  layers[1].gate_values["gate"] = torch::tensor({0.1f, 0.3f, 0.5f, 0.7f}).view({1, 2, 2, 1});
  layers[1].gated_output = torch::tensor({0.005f, -0.0005f, 0.5f, -2.0f}).view({1, 2, 2});
  layers[1].residual = torch::tensor({-0.25f, 1.5f, 1.0f, 0.0f}).view({1, 2, 2});
  return layers;
}

double metric(const probes::ProbeRows& rows, const std::string& key) {
  for (const auto& m : rows.metrics)
    if (m.key == key) return m.value;
  FAIL("no metric " << key);
  return 0;
}

}  // namespace

TEST_CASE("probes measure the docs/RESEARCH.md 2.1 quantities exactly on hand-built layers") {
  const auto rows = probes::measure_all(known_layers(), probes::ProbeSettings{1e-3, 10}, 40);

  // F-Attn: mean over heads and queries i >= 1 of A[h, i, 0] = (0.75 + 0.5 + 0.25 + 0.1) / 4.
  REQUIRE(rows.layer_stats.count(1) == 1);
  CHECK(rows.layer_stats.at(1).first_token_share.value() == Approx(0.4));
  CHECK_FALSE(rows.layer_stats.at(0).first_token_share.has_value());  // linear layers have no attention matrix
  CHECK(metric(rows, "first_token_share") == Approx(0.4));

  // M-Act: max |h| of the residual stream after each layer; the summary is the mean over layers.
  CHECK(rows.layer_stats.at(0).max_activation.value() == Approx(3.5));
  CHECK(rows.layer_stats.at(1).max_activation.value() == Approx(1.5));
  CHECK(metric(rows, "max_activation") == Approx(2.5));

  // Output sparsity of the gated output: |y| < 1e-2 for 2 of 4 values, < 1e-3 for 1 of 4.
  CHECK(rows.layer_stats.at(1).output_sparsity_1e2.value() == Approx(0.5));
  CHECK(rows.layer_stats.at(1).output_sparsity_1e3.value() == Approx(0.25));
  CHECK_FALSE(rows.layer_stats.at(0).output_sparsity_1e2.has_value());

  // Gate saturation of alpha (eps 1e-3): over all 8 values one is < eps and one > 1 - eps.
  const results::GateStatRow* all_heads = nullptr;
  const results::GateStatRow* head0 = nullptr;
  for (const auto& row : rows.gate_stats) {
    CHECK(row.step == 40);
    if (row.quantity == "alpha" && row.head == -1) all_heads = &row;
    if (row.quantity == "alpha" && row.head == 0) head0 = &row;
  }
  REQUIRE(all_heads);
  REQUIRE(head0);
  CHECK(all_heads->sat_low == Approx(0.125));
  CHECK(all_heads->sat_high == Approx(0.125));
  CHECK(all_heads->mean == Approx((0.0005 + 0.5 + 0.9995 + 0.9 + 4 * 0.2) / 8));
  CHECK(head0->sat_low == Approx(0.25));
  CHECK(head0->sat_high == Approx(0.25));
  CHECK(head0->mean == Approx((0.0005 + 0.5 + 0.9995 + 0.9) / 4));
  CHECK(metric(rows, "gate_saturation") == Approx(0.25));
  // Gate score: the mean softmax gate activation.
  CHECK(metric(rows, "gate_score") == Approx(0.4));

  // Histograms: 10 bins over [0, 1] per layer and quantity, every value counted once (1.0 falls in the last bin).
  int64_t alpha_count = 0;
  for (const auto& bin : rows.gate_histograms)
    if (bin.quantity == "alpha") alpha_count += bin.count;
  CHECK(alpha_count == 8);
}

TEST_CASE("every registered probe accepts layers that expose only their residual stream") {
  std::vector<variants::LayerProbe> plain(3);
  for (auto& layer : plain) {
    layer.attn_kind = "linear";
    layer.residual = torch::randn({2, 5, 4});
  }
  for (const auto& entry : probes::probe_registry().entries()) {
    DYNAMIC_SECTION(entry.name) {
      probes::ProbeRows rows;
      entry.make()->measure(plain, probes::ProbeSettings{1e-3, 20}, 1, rows);
      for (const auto& [layer, row] : rows.layer_stats) CHECK(row.attn_kind == "linear");
      CHECK(rows.gate_stats.empty());
    }
  }
}

TEST_CASE("every registered probe measures a finite value on layers that expose everything") {
  // known_layers() has a gated linear layer and a gated softmax layer, so each probe finds what it reads: it must
  // write at least one value (a model-level metric, a per-layer column or a gate statistic), and every value it
  // writes is finite.
  for (const auto& entry : probes::probe_registry().entries()) {
    DYNAMIC_SECTION(entry.name) {
      probes::ProbeRows rows;
      entry.make()->measure(known_layers(), probes::ProbeSettings{1e-3, 10}, 7, rows);
      std::vector<double> values;
      for (const auto& m : rows.metrics) values.push_back(m.value);
      for (const auto& g : rows.gate_stats) values.insert(values.end(), {g.mean, g.sat_low, g.sat_high});
      for (const auto& [layer, row] : rows.layer_stats)
        for (const auto& column :
             {row.first_token_share, row.max_activation, row.output_sparsity_1e2, row.output_sparsity_1e3})
          if (column) values.push_back(*column);
      REQUIRE_FALSE(values.empty());
      for (double v : values) CHECK(std::isfinite(v));
    }
  }
}
