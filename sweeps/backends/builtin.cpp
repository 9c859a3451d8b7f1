// The sweep backends: the one place a backend is named. A Slurm backend (job arrays, requeue on preemption,
// one shard DB per task) is one more file and one more line here.
#include "sweeps/launch.h"

namespace gatelab::sweeps {

std::unique_ptr<Backend> make_local_backend();  // backends/local_backend.cpp

const Registry<BackendFactory>& backend_registry() {
  static const Registry<BackendFactory> registry(
      "sweep backend",
      {
          {"local", "one child process per run on this machine's GPUs (or CPU cores)", make_local_backend},
      });
  return registry;
}

}  // namespace gatelab::sweeps
