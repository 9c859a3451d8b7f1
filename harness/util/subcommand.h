// A subcommand of the `gatelab` CLI. Each folder that owns work lists its subcommands in its
// subcommands_builtin.cpp (harness/, sweeps/, analysis/); harness/cli/builtin.cpp joins those lists into the table.
#pragma once

#include <string>
#include <vector>

#include "harness/util/registry.h"

namespace gatelab::cli {

// Runs a subcommand with its arguments (argv after the subcommand name). Returns the process exit code.
// Throws UserError for bad input (main prints it and exits 2) and Error for other failures (exit 1).
using SubcommandFn = int (*)(const std::vector<std::string>& args);
using SubcommandList = std::vector<Registry<SubcommandFn>::Entry>;

const Registry<SubcommandFn>& subcommands();

}  // namespace gatelab::cli
