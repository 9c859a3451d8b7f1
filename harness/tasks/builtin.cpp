// The registered tasks: the one place a task is named. One line per task: COMPONENT(factory, name, summary), the
// factory defined in the task's own file (harness/util/registry.h explains the list).
#include "harness/tasks/catalog.h"
#include "harness/tasks/task.h"

#define GATELAB_TASKS(COMPONENT) \
  COMPONENT(make_mqar_task, "mqar", "multi-query associative recall (Zoology), generated") \
  COMPONENT(make_byte_text_task, "bytes", "byte-level language modelling on a Debian-built corpus (bits per byte)") \
  /* one COMPONENT line per component above this line */

namespace gatelab::tasks {

using ComponentType = std::remove_pointer_t<TaskFactory>;
GATELAB_TASKS(GATELAB_DECLARE_COMPONENT)

const Registry<TaskFactory>& task_registry() {
  static const Registry<TaskFactory> registry("task", {GATELAB_TASKS(GATELAB_REGISTRY_ENTRY)});
  return registry;
}

std::vector<variants::NameAndSummary> task_catalog() { return task_registry().summaries(); }

}  // namespace gatelab::tasks
