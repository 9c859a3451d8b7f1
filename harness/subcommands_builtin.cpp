// The subcommands harness/ owns: the one place each is named. One line per subcommand: COMPONENT(function, name,
// summary), the function defined in its own *_command.cpp (harness/util/registry.h explains the list).
#include "harness/util/subcommand.h"

#define GATELAB_HARNESS_SUBCOMMANDS(COMPONENT) \
  COMPONENT(run_command, "run", "train one model from a config and record it in the results DB") \
  COMPONENT(variants_command, "variants", "list every registered feature map, gate, norm, softmax gate and kernel") \
  COMPONENT(examples_command, "examples", "print a task's examples: tokens as text, labels beside them") \
  COMPONENT(bench_command, "bench", \
            "time the CUDA linear-attention kernels, the chunked form and SDPA flash, and training throughput") \
  COMPONENT(version_command, "version", \
            "print the version, the source commit and the library versions (also gatelab --version)") \
  /* one COMPONENT line per component above this line */

namespace gatelab::cli {

using ComponentType = std::remove_pointer_t<SubcommandFn>;
GATELAB_HARNESS_SUBCOMMANDS(GATELAB_DECLARE_COMPONENT)

SubcommandList harness_subcommands() { return {GATELAB_HARNESS_SUBCOMMANDS(GATELAB_REGISTRY_ENTRY)}; }

}  // namespace gatelab::cli
