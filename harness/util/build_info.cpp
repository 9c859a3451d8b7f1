#include "harness/util/build_info.h"

#include <fmt/format.h>
#include <sqlite3.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <boost/version.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>

#ifndef GATELAB_SOURCE_DIR
#define GATELAB_SOURCE_DIR "."
#endif
#ifndef GATELAB_CONFIGURE_COMMIT
#define GATELAB_CONFIGURE_COMMIT "unknown"
#endif

namespace gatelab {

namespace {
std::string run_and_read(const std::string& command) {
  std::array<char, 256> buffer{};
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return out;
  while (fgets(buffer.data(), buffer.size(), pipe.get())) out += buffer.data();
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}
}  // namespace

std::string git_commit() {
  // Asked at run time, not baked in at configure time: a rebuild after a commit must not report the old one.
  static const std::string commit = [] {
    // A tree copied without .git (the GPU machine gets the working tree only) names its commit through the
    // environment: GATELAB_GIT_COMMIT=$(git rev-parse --short=12 HEAD) where the checkout is.
    if (const char* given = std::getenv("GATELAB_GIT_COMMIT"); given && *given) return std::string(given);
    std::string dir = GATELAB_SOURCE_DIR;
    std::string head = run_and_read("git -C '" + dir + "' rev-parse --short=12 HEAD 2>/dev/null");
    if (head.empty()) return std::string(GATELAB_CONFIGURE_COMMIT);
    std::string dirty = run_and_read("git -C '" + dir + "' status --porcelain --untracked-files=no 2>/dev/null");
    return dirty.empty() ? head : head + "-dirty";
  }();
  return commit;
}

std::string build_versions_json() {
  nlohmann::json v;
  v["gatelab"] = "0.1.0";
  v["fmt"] = fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100);
  v["sqlite"] = sqlite3_libversion();
  v["boost"] = fmt::format("{}.{}.{}", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100);
  v["nlohmann_json"] =
      fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR, NLOHMANN_JSON_VERSION_PATCH);
  v["compiler"] = fmt::format("gcc {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
  return v.dump();
}

std::string utc_now() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

}  // namespace gatelab
