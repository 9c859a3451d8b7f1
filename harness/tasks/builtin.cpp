// The registered tasks: the one place a task is named.
#include "harness/tasks/catalog.h"
#include "harness/tasks/task.h"

namespace gatelab::tasks {

std::unique_ptr<Task> make_mqar_task(const TaskContext&);       // mqar.cpp
std::unique_ptr<Task> make_byte_text_task(const TaskContext&);  // byte_text.cpp

const Registry<TaskFactory>& task_registry() {
  static const Registry<TaskFactory> registry(
      "task",
      {
          {"mqar", "multi-query associative recall (Zoology), generated", make_mqar_task},
          {"bytes", "byte-level language modelling on a Debian-built corpus (bits per byte)", make_byte_text_task},
      });
  return registry;
}

std::vector<variants::NameAndSummary> task_catalog() { return task_registry().summaries(); }

}  // namespace gatelab::tasks
