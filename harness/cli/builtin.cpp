// The table of gatelab subcommands, joined from the lists of the folders that own the work: each subcommand is
// named once, in its folder's subcommands_builtin.cpp.
#include "harness/util/subcommand.h"

namespace gatelab::cli {

SubcommandList harness_subcommands();   // harness/subcommands_builtin.cpp
SubcommandList sweeps_subcommands();    // sweeps/subcommands_builtin.cpp
SubcommandList analysis_subcommands();  // analysis/subcommands_builtin.cpp

const Registry<SubcommandFn>& subcommands() {
  static const Registry<SubcommandFn> registry("command", [] {
    SubcommandList all;
    for (auto list : {harness_subcommands(), sweeps_subcommands(), analysis_subcommands()})
      all.insert(all.end(), list.begin(), list.end());
    return all;
  }());
  return registry;
}

}  // namespace gatelab::cli
