#include "harness/train/device.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "harness/util/build_info.h"
#include "harness/util/errors.h"

#ifdef GATELAB_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace gatelab::train {

torch::Device choose_device(const std::string& requested) {
  if (requested == "auto")
    return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (requested == "cpu") return torch::Device(torch::kCPU);
  if (requested.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available())
      throw UserError(fmt::format(
          "device '{}' asked for, but this build or machine has no CUDA; use --device cpu or auto", requested));
    return torch::Device(requested);
  }
  throw UserError(unknown_name_message("device", requested, {"auto", "cpu", "cuda", "cuda:0"}));
}

int set_threads(int threads) {
  int n = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(n);
  return n;
}

std::string describe_device(const torch::Device& device, int threads) {
  if (device.is_cpu()) return fmt::format("cpu ({} threads)", threads);
#ifdef GATELAB_WITH_CUDA
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, device.index() < 0 ? 0 : device.index()) == cudaSuccess)
    return fmt::format("{} ({})", prop.name, device.str());
#endif
  return device.str();
}

std::string versions_json() {
  auto v = nlohmann::json::parse(build_versions_json());
  v["torch"] = TORCH_VERSION;
#ifdef GATELAB_WITH_CUDA
  int runtime = 0;
  cudaRuntimeGetVersion(&runtime);
  v["cuda_runtime"] = fmt::format("{}.{}", runtime / 1000, runtime % 1000 / 10);
#endif
  v["cuda_available"] = torch::cuda::is_available();
  return v.dump();
}

}  // namespace gatelab::train
