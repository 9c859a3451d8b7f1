// `gatelab variants`: every registered component, by extension point.
#include <fmt/format.h>

#include <iostream>

#include "harness/probes/probe.h"
#include "harness/tasks/catalog.h"
#include "harness/util/cli_options.h"
#include "harness/util/subcommand.h"
#include "variants/catalog.h"

namespace gatelab::cli {

int variants_command(const std::vector<std::string>& args) {
  po::options_description options("gatelab variants options");
  po::variables_map vm;
  if (!parse_options("variants", "gatelab variants", args, options, {}, vm)) return 0;
  auto section = [](const std::string& title, const std::string& key,
                    const std::vector<variants::NameAndSummary>& items) {
    std::cout << title << (key.empty() ? "" : fmt::format(" ({})", key)) << "\n";
    for (const auto& [name, summary] : items) std::cout << fmt::format("  {:<12} {}\n", name, summary);
    std::cout << "\n";
  };
  section("feature maps", "model.attn.feature_map", variants::feature_map_catalog());
  section("readout norms", "model.attn.norm", variants::readout_norm_catalog());
  section("decay gates", "model.attn.gate", variants::gate_catalog());
  section("linear-attention kernels", "model.attn.kernel", variants::linear_attention_kernel_catalog());
  section("softmax gate positions", "model.attn.gate_position", variants::softmax_gate_position_catalog());
  section("softmax gate activations", "model.attn.gate_activation", variants::softmax_gate_activation_catalog());
  section("tasks", "task.name", tasks::task_catalog());
  section("probes", "", probes::probe_registry().summaries());
  return 0;
}

}  // namespace gatelab::cli
