#include "sweeps/cost.h"

#include <fmt/format.h>

#include <cmath>
#include <map>

#include "harness/config/config.h"

namespace gatelab::sweeps {

namespace {

using nlohmann::json;

// What throughput depends on: the model (as its identity sees it), the sequence, the batch and the dtype; not
// the seed, the learning rate or the step count.
std::string shape_key(const json& resolved) {
  const json identity = config::identity_config(resolved);
  json key = {{"model", identity["model"]},
              {"task", identity["task"]["name"]},
              {"seq_len", identity["task"]["seq_len"]},
              {"batch_size", identity["train"]["batch_size"]},
              {"dtype", identity["train"]["dtype"]}};
  if (identity["task"]["name"] == "mqar") key["vocab"] = identity["task"]["mqar"]["vocab"];
  return key.dump();
}

int64_t tokens_of(const json& resolved) {
  return config::at(resolved, "train.steps").get<int64_t>() * config::at(resolved, "train.batch_size").get<int64_t>() *
         config::at(resolved, "task.seq_len").get<int64_t>();
}

}  // namespace

PlanCost estimate_cost(const SweepPlan& plan, const std::vector<results::MeasuredThroughput>& measured) {
  std::map<std::string, double> by_run;
  std::map<std::string, std::pair<double, int>> by_shape;  // sum of tokens/s, count
  for (const auto& m : measured) {
    by_run[m.run_id] = m.tokens_per_s;
    try {
      auto& [sum, n] = by_shape[shape_key(json::parse(m.config_json))];
      sum += m.tokens_per_s;
      ++n;
    } catch (const std::exception&) {
      // a config from another gatelab version (a key since renamed): no shape to compare, its own row still counts
    }
  }
  double sweep_sum = 0;
  int sweep_n = 0;
  for (const auto& run : plan.runs)
    if (auto it = by_run.find(run.run_id); it != by_run.end()) sweep_sum += it->second, ++sweep_n;

  PlanCost cost;
  for (const auto& run : plan.runs) {
    RunCost c;
    c.tokens = tokens_of(run.config);
    std::optional<double> tokens_per_s;
    if (auto it = by_run.find(run.run_id); it != by_run.end()) {
      tokens_per_s = it->second, c.basis = "measured";
    } else if (auto s = by_shape.find(shape_key(run.config)); s != by_shape.end()) {
      tokens_per_s = s->second.first / s->second.second, c.basis = "same model";
    } else if (sweep_n > 0) {
      tokens_per_s = sweep_sum / sweep_n, c.basis = "sweep mean";
    }
    if (tokens_per_s) c.seconds = static_cast<double>(c.tokens) / *tokens_per_s;
    cost.tokens += c.tokens;
    if (c.seconds) cost.known_seconds += *c.seconds;
    else ++cost.unknown;
    cost.runs.push_back(c);
  }
  return cost;
}

std::string format_count(double n) {
  if (n < 1e3) return fmt::format("{:.0f}", n);
  if (n < 1e6) return fmt::format("{:.1f}k", n / 1e3);
  if (n < 1e9) return fmt::format("{:.1f}M", n / 1e6);
  return fmt::format("{:.1f}G", n / 1e9);
}

std::string format_duration(double seconds) {
  const auto s = static_cast<int64_t>(std::llround(seconds));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
  return fmt::format("{}d{:02}h", s / 86400, s % 86400 / 3600);
}

}  // namespace gatelab::sweeps
