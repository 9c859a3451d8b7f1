// The registered linear-attention implementations: the one place a kernel is named.
#include "variants/catalog.h"
#include "variants/linear_attention/linear_attention_ops.h"
#ifdef GATELAB_WITH_CUDA
#include "variants/linear_attention/cuda/cuda_linear_attention.h"
#endif

namespace gatelab::variants {

namespace {
bool any_device(torch::DeviceType) { return true; }
#ifdef GATELAB_WITH_CUDA
bool cuda_only(torch::DeviceType type) { return type == torch::kCUDA; }
#endif
}  // namespace

const Registry<LinearAttentionKernel>& linear_attention_kernels() {
  static const Registry<LinearAttentionKernel> registry(
      "linear-attention kernel", {
                                     {"recurrent",
                                      "step-by-step fp32 recurrence: the reference (slow; for tests and tiny runs)",
                                      {recurrent_linear_attention, any_device}},
                                     {"chunked",
                                      "chunkwise parallel form in LibTorch with 16-step sub-chunks (any device)",
                                      {chunked_linear_attention, any_device}},
#ifdef GATELAB_WITH_CUDA
                                     {"cuda",
                                      "fused chunkwise CUDA kernels, forward and backward (CUDA tensors only)",
                                      {cuda_linear_attention, cuda_only}},
#endif
                                 });
  return registry;
}

const LinearAttentionKernel& resolve_linear_attention_kernel(const std::string& name, torch::DeviceType device) {
  const auto& kernels = linear_attention_kernels();
  if (name == "auto") {
    if (device == torch::kCUDA && kernels.contains("cuda")) return kernels.get("cuda").make;
    return kernels.get("chunked").make;
  }
  const auto& kernel = kernels.get(name).make;
  if (!kernel.available(device))
    throw UserError("linear-attention kernel '" + name + "' cannot run on this device; use auto, chunked or recurrent");
  return kernel;
}

std::vector<NameAndSummary> linear_attention_kernel_catalog() { return linear_attention_kernels().summaries(); }

}  // namespace gatelab::variants
