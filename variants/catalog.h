// The names in every variant registry, without torch: the config validator and `gatelab variants` read these.
// Each function is defined next to its registry, in that kind's builtin.cpp.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace gatelab::variants {

using NameAndSummary = std::pair<std::string, std::string>;

std::vector<NameAndSummary> feature_map_catalog();
std::vector<NameAndSummary> gate_catalog();
std::vector<NameAndSummary> readout_norm_catalog();
std::vector<NameAndSummary> softmax_gate_position_catalog();
std::vector<NameAndSummary> softmax_gate_activation_catalog();
std::vector<NameAndSummary> linear_attention_kernel_catalog();  // only kernels usable in this build

std::vector<std::string> names_of(const std::vector<NameAndSummary>& catalog);

}  // namespace gatelab::variants
