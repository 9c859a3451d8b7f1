// A subcommand of the `gatelab` CLI. The table of subcommands is harness/cli/builtin.cpp; each subcommand lives
// in the folder that owns its work (run in harness/, sweep in sweeps/, query/export/plot/report in analysis/).
#pragma once

#include <string>
#include <vector>

#include "harness/util/registry.h"

namespace gatelab::cli {

// Runs a subcommand with its arguments (argv after the subcommand name). Returns the process exit code.
// Throws UserError for bad input (main prints it and exits 2) and Error for other failures (exit 1).
using SubcommandFn = int (*)(const std::vector<std::string>& args);

const Registry<SubcommandFn>& subcommands();

}  // namespace gatelab::cli
