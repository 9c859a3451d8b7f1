// What each metric key of the results DB means: which direction is better, its unit and its label. One entry per
// metric in results/metrics_builtin.cpp; the trainer may only record registered keys (the Store refuses others),
// the store mirrors the registry into the metric_definitions table for the views, and `sweep status`, the plots
// and the report read direction, unit and label from here.
#pragma once

#include <string>

#include "harness/util/registry.h"

namespace gatelab::results {

enum class Better { Lower, Higher, Neither };  // Neither: a measurement, not a score (lr, gate saturation, ...)

struct MetricInfo {
  Better better;
  std::string unit;   // "" when unitless
  std::string label;  // axis and column label
};

const Registry<MetricInfo>& metric_registry();

// "lower" | "higher" | "neither", as stored in metric_definitions.better.
const char* better_name(Better better);

// The label with its unit, for an axis: "validation loss (nats/token)".
std::string axis_label(const std::string& key);

}  // namespace gatelab::results
