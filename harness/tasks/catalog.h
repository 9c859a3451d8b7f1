// Task names without torch, for the config validator. Defined in harness/tasks/builtin.cpp.
#pragma once

#include "variants/catalog.h"

namespace gatelab::tasks {

std::vector<variants::NameAndSummary> task_catalog();

}  // namespace gatelab::tasks
