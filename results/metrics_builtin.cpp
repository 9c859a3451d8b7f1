// The registered metrics: the one place a metric key is described. One line per metric:
// {key, meaning, {better, unit, label}}.
#include "results/metric_registry.h"

namespace gatelab::results {

const Registry<MetricInfo>& metric_registry() {
  // One line per metric (clang-format would fold them):
  // clang-format off
  static const Registry<MetricInfo> registry("metric", {
      {"loss", "mean cross entropy over labelled positions", {Better::Lower, "nats/token", "cross-entropy loss"}},
      {"accuracy", "argmax accuracy over labelled positions (MQAR: recall)", {Better::Higher, "fraction of queries", "accuracy"}},
      {"bpb", "bits per byte: loss / ln 2 on byte-level text", {Better::Lower, "", "bits per byte"}},
      {"ppl", "perplexity: exp(loss)", {Better::Lower, "", "perplexity"}},
      {"lr", "learning rate of the step", {Better::Neither, "", "learning rate"}},
      {"grad_norm", "global gradient norm before clipping", {Better::Neither, "", "gradient norm (before clipping)"}},
      {"tokens_per_s", "training throughput", {Better::Higher, "tokens/s", "throughput"}},
      {"first_token_share", "F-Attn: mean attention on the first token (softmax layers)", {Better::Neither, "", "first-token attention share (mean over layers)"}},
      {"max_activation", "M-Act: max |h| of the residual stream, mean over layers", {Better::Neither, "", "max |activation| (mean over layers)"}},
      {"gate_saturation", "share of linear-attention gate values below eps or above 1 - eps", {Better::Neither, "", "gate saturation share (mean over layers)"}},
      {"gate_score", "mean sigmoid gate activation of gated softmax attention", {Better::Neither, "", "mean gate score"}},
  });
  // clang-format on
  return registry;
}

const char* better_name(Better better) {
  switch (better) {
    case Better::Lower: return "lower";
    case Better::Higher: return "higher";
    case Better::Neither: return "neither";
  }
  return "neither";
}

std::string axis_label(const std::string& key) {
  const auto& info = metric_registry().get(key).make;
  return info.unit.empty() ? info.label : info.label + " (" + info.unit + ")";
}

}  // namespace gatelab::results
