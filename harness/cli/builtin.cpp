// The table of gatelab subcommands: the one place a subcommand is named.
#include "harness/cli/subcommand.h"

namespace gatelab::cli {

// Each defined in the folder that owns the work.
int run_command(const std::vector<std::string>&);       // harness/run_command.cpp
int variants_command(const std::vector<std::string>&);  // harness/variants_command.cpp
int examples_command(const std::vector<std::string>&);  // harness/examples_command.cpp

const Registry<SubcommandFn>& subcommands() {
  static const Registry<SubcommandFn> registry("command", {
      {"run", "train one model from a config and record it in the results DB", run_command},
      {"variants", "list every registered feature map, gate, norm, softmax gate and kernel", variants_command},
      {"examples", "print a task's examples: tokens as text, labels beside them", examples_command},
  });
  return registry;
}

}  // namespace gatelab::cli
