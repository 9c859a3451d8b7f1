// The subcommands sweeps/ owns: the one place each is named. One line per subcommand: COMPONENT(function, name,
// summary), the function defined in its own *_command.cpp (harness/util/registry.h explains the list).
#include "harness/util/subcommand.h"

#define GATELAB_SWEEPS_SUBCOMMANDS(COMPONENT) \
  COMPONENT(sweep_command, "sweep", "plan, run (resume, retry) and check a YAML grid of runs on local GPUs or CPU") \
  COMPONENT(merge_command, "merge", "fold the shard DBs of a cluster sweep's tasks into the results DB (idempotent)") \
  COMPONENT(rekey_command, "rekey", \
            "give the runs and sweeps of a DB from an older gatelab the ids this version computes (idempotent)") \
  /* one COMPONENT line per component above this line */

namespace gatelab::cli {

using ComponentType = std::remove_pointer_t<SubcommandFn>;
GATELAB_SWEEPS_SUBCOMMANDS(GATELAB_DECLARE_COMPONENT)

SubcommandList sweeps_subcommands() { return {GATELAB_SWEEPS_SUBCOMMANDS(GATELAB_REGISTRY_ENTRY)}; }

}  // namespace gatelab::cli
