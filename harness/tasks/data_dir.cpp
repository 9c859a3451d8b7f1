#include <cstdlib>
#include <filesystem>

#include "harness/tasks/task.h"

#ifndef GATELAB_SOURCE_DIR
#define GATELAB_SOURCE_DIR "."
#endif

namespace gatelab::tasks {

std::string default_data_dir() {
  if (const char* env = std::getenv("GATELAB_DATA")) return env;
  if (std::filesystem::exists("data")) return "data";
  return std::string(GATELAB_SOURCE_DIR) + "/data";
}

}  // namespace gatelab::tasks
