#include "harness/bench_support.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "harness/train/device.h"
#include "harness/util/build_info.h"
#include "harness/util/errors.h"

#ifdef GATELAB_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace gatelab::cli {

void synchronize(const torch::Device& device) {
#ifdef GATELAB_WITH_CUDA
  if (device.is_cuda()) torch::cuda::synchronize(device.index() < 0 ? 0 : device.index());
#else
  (void)device;
#endif
}

void reset_peak_memory(const torch::Device& device) {
#ifdef GATELAB_WITH_CUDA
  if (device.is_cuda()) {
    c10::cuda::CUDACachingAllocator::emptyCache();
    c10::cuda::CUDACachingAllocator::resetPeakStats(device.index() < 0 ? 0 : device.index());
  }
#else
  (void)device;
#endif
}

std::optional<double> peak_memory_gib(const torch::Device& device) {
#ifdef GATELAB_WITH_CUDA
  if (device.is_cuda()) {
    auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index() < 0 ? 0 : device.index());
    return static_cast<double>(stats.allocated_bytes[0].peak) / (1024.0 * 1024.0 * 1024.0);  // [0]: all pools
  }
#else
  (void)device;
#endif
  return std::nullopt;
}

results::BenchRow base_bench_row(const torch::Device& device, int threads) {
  results::BenchRow base;
  base.device = train::describe_device(device, threads);
  base.git_commit = git_commit();
  base.versions_json = train::versions_json();
  return base;
}

std::vector<size_t> select_by_name(const std::string& list, const std::vector<std::string>& names,
                                   const std::string& what) {
  std::vector<size_t> chosen;
  std::stringstream entries(list);
  for (std::string name; std::getline(entries, name, ',');) {
    if (name == "all") {
      for (size_t i = 0; i < names.size(); ++i) chosen.push_back(i);
      continue;
    }
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) throw UserError(unknown_name_message(what, name, names));
    chosen.push_back(static_cast<size_t>(it - names.begin()));
  }
  return chosen;
}

std::string fmt_opt(const std::optional<double>& x, const char* format) {
  return x ? fmt::format(fmt::runtime(format), *x) : std::string("-");
}

}  // namespace gatelab::cli
