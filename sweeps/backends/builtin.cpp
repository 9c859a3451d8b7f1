// The sweep backends: the one place a backend is named. One line per backend: COMPONENT(factory, name, summary),
// the factory defined in the backend's own file (harness/util/registry.h explains the list).
#include "sweeps/launch.h"

#define GATELAB_SWEEP_BACKENDS(COMPONENT) \
  COMPONENT(make_local_backend, "local", "one child process per run on this machine's GPUs (or CPU cores)") \
  COMPONENT(make_slurm_backend, "slurm", "one Slurm job array per launch, each task into its own shard DB") \
  /* one COMPONENT line per component above this line */

namespace gatelab::sweeps {

using ComponentType = std::unique_ptr<Backend>();
GATELAB_SWEEP_BACKENDS(GATELAB_DECLARE_COMPONENT)

const Registry<BackendFactory>& backend_registry() {
  static const Registry<BackendFactory> registry("sweep backend", {GATELAB_SWEEP_BACKENDS(GATELAB_REGISTRY_ENTRY)});
  return registry;
}

}  // namespace gatelab::sweeps
