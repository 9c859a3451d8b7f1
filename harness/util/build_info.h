// Where a result came from: recorded with every run and bench row.
#pragma once

#include <string>

namespace gatelab {

// The git commit of the source tree this binary was built from, with "-dirty" when the tree had changes;
// "unknown" outside a git checkout.
std::string git_commit();

// Library versions this binary was built against, as a JSON object string (fmt, sqlite, yaml-cpp, ...).
// Torch and device facts are added by the torch side (harness/train/device.h).
std::string build_versions_json();

// ISO-8601 UTC timestamp, e.g. 2026-11-23T23:11:44Z.
std::string utc_now();

}  // namespace gatelab
