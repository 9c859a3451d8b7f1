// `gatelab version` (also `gatelab --version`): the version, the source commit and the library versions this
// binary was built with — what a bug report or a results comparison across machines needs.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "harness/train/device.h"
#include "harness/util/build_info.h"
#include "harness/util/cli_options.h"
#include "harness/util/subcommand.h"

namespace gatelab::cli {

int version_command(const std::vector<std::string>& args) {
  po::options_description options("gatelab version options");
  po::variables_map vm;
  if (!parse_options("version", "gatelab --version", args, options, {}, vm)) return 0;
  const auto versions = nlohmann::json::parse(train::versions_json());
  std::cout << fmt::format("gatelab {}, commit {}\n", versions.value("gatelab", "?"), git_commit());
  for (auto it = versions.begin(); it != versions.end(); ++it)
    if (it.key() != "gatelab")
      std::cout << fmt::format("  {} {}\n", it.key(), it->is_string() ? it->get<std::string>() : it->dump());
  return 0;
}

}  // namespace gatelab::cli
