// What a sweep costs before it runs: training tokens per run and an estimated training time from throughputs
// already measured in the results DB (the run itself when it finished, else a finished run of the same model and
// shape, else the mean of the sweep's own finished runs). Torch-free.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "results/store.h"
#include "sweeps/grid.h"

namespace gatelab::sweeps {

struct RunCost {
  int64_t tokens = 0;             // train.steps x batch_size x seq_len (early stopping may use fewer)
  std::optional<double> seconds;  // estimated training time (evaluation not included); nullopt: unknown
  std::string basis;              // "measured", "same model", "sweep mean", or "" when unknown
};

struct PlanCost {
  std::vector<RunCost> runs;  // one per plan.runs entry, in order
  int64_t tokens = 0;
  double known_seconds = 0;  // sum over the runs with an estimate
  size_t unknown = 0;        // runs without one
};

PlanCost estimate_cost(const SweepPlan& plan, const std::vector<results::MeasuredThroughput>& measured);

// "950", "12.3k", "4.1M", "2.0G".
std::string format_count(double n);
// "42s", "3m20s", "2h05m", "3d04h".
std::string format_duration(double seconds);

}  // namespace gatelab::sweeps
