// The registered linear-attention implementations: the one place a kernel is named. One line per kernel that runs on
// any device: COMPONENT(function, name, summary), the function defined in the kernel's own file
// (harness/util/registry.h explains the list); the CUDA kernel, built only with GATELAB_CUDA, is added below.
#include "variants/catalog.h"
#include "variants/linear_attention/linear_attention_ops.h"
#ifdef GATELAB_WITH_CUDA
#include "variants/linear_attention/cuda/cuda_linear_attention.h"
#endif

#define GATELAB_PORTABLE_KERNELS(COMPONENT) \
  COMPONENT(recurrent_linear_attention, "recurrent", \
            "step-by-step fp32 recurrence: the reference (slow; for tests and tiny runs)") \
  COMPONENT(chunked_linear_attention, "chunked", \
            "chunkwise parallel form in LibTorch with 16-step sub-chunks (any device)") \
  /* one COMPONENT line per component above this line */

namespace gatelab::variants {

namespace {
bool any_device(torch::DeviceType) { return true; }
#ifdef GATELAB_WITH_CUDA
bool cuda_only(torch::DeviceType type) { return type == torch::kCUDA; }
#endif
}  // namespace

using ComponentType = LinearAttentionOutputs(const LinearAttentionInputs&);
GATELAB_PORTABLE_KERNELS(GATELAB_DECLARE_COMPONENT)
#define GATELAB_PORTABLE_KERNEL_ENTRY(function, name, summary) {name, summary, {function, any_device, 0}},

static std::vector<Registry<LinearAttentionKernel>::Entry> kernel_entries() {
  std::vector<Registry<LinearAttentionKernel>::Entry> entries = {
      GATELAB_PORTABLE_KERNELS(GATELAB_PORTABLE_KERNEL_ENTRY)};
#ifdef GATELAB_WITH_CUDA
  entries.push_back({"cuda",
                     "fused chunkwise CUDA kernels, forward and backward (CUDA tensors only)",
                     {cuda_linear_attention, cuda_only, cuda_linear_attention_max_key_dim()}});
#endif
  return entries;
}

const Registry<LinearAttentionKernel>& linear_attention_kernels() {
  static const Registry<LinearAttentionKernel> registry("linear-attention kernel", kernel_entries());
  return registry;
}

const LinearAttentionKernel& resolve_linear_attention_kernel(const std::string& name, torch::DeviceType device,
                                                             int64_t key_dim) {
  const auto& kernels = linear_attention_kernels();
  auto takes = [&](const LinearAttentionKernel& k) { return k.max_key_dim == 0 || key_dim <= k.max_key_dim; };
  if (name == "auto") {
    if (device == torch::kCUDA && kernels.contains("cuda") && takes(kernels.get("cuda").make))
      return kernels.get("cuda").make;
    return kernels.get("chunked").make;
  }
  const auto& kernel = kernels.get(name).make;
  if (!kernel.available(device))
    throw UserError("linear-attention kernel '" + name + "' cannot run on this device; use auto, chunked or recurrent");
  return kernel;
}

std::vector<NameAndSummary> linear_attention_kernel_catalog() { return linear_attention_kernels().summaries(); }

}  // namespace gatelab::variants
