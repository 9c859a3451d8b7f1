#include "harness/train/optimizer.h"

#include <torch/version.h>

#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <type_traits>
#include <stdexcept>
#include <utility>

// at::_fused_adamw_ (2.0) and _foreach_mul_ by a 0-dim tensor (2.1): the fused path needs both.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
#define GATELAB_FUSED_OPTIMIZER 1
#else
#define GATELAB_FUSED_OPTIMIZER 0
#endif

namespace gatelab::train {

namespace {

// LibTorch keys an optimizer's per-parameter state by the parameter's TensorImpl: as a pointer (2.x) or as the
// pointer printed to a string (1.13).
template <typename StateMap>
typename StateMap::key_type state_key(const StateMap&, const torch::Tensor& p) {
  using Key = typename StateMap::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream printed;
    printed << p.unsafeGetTensorImpl();
    return printed.str();
  } else {
    return static_cast<Key>(p.unsafeGetTensorImpl());
  }
}

}  // namespace

#if GATELAB_FUSED_OPTIMIZER
namespace {

std::vector<torch::Tensor> grads_of(const std::vector<torch::Tensor>& parameters) {
  std::vector<torch::Tensor> grads;
  for (const auto& p : parameters)
    if (p.grad().defined()) grads.push_back(p.grad());
  return grads;
}

// The state LibTorch's AdamW::step keeps for p, created as it creates it (step 0, zero moments like p).
torch::optim::AdamWParamState& created_state(torch::optim::AdamW& adamw, const torch::Tensor& p) {
  auto& slot = adamw.state()[state_key(adamw.state(), p)];
  if (!slot) {
    auto state = std::make_unique<torch::optim::AdamWParamState>();
    state->step(0);
    state->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
    state->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
    slot = std::move(state);
  }
  return static_cast<torch::optim::AdamWParamState&>(*slot);
}

// The tensors of one _fused_adamw_ call: one dtype, one step count.
struct FusedBatch {
  std::vector<torch::Tensor> params, grads, exp_avgs, exp_avg_sqs;
};

}  // namespace
#endif

bool fused_optimizer_available(const torch::Device& device) { return GATELAB_FUSED_OPTIMIZER && device.is_cuda(); }

TrainOptimizer::TrainOptimizer(const std::vector<torch::Tensor>& parameters, const AdamWSettings& settings,
                               OptimizerPath path)
    : path_(path) {
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& p : parameters) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  auto options = torch::optim::AdamWOptions(settings.lr)
                     .betas({settings.beta1, settings.beta2})
                     .weight_decay(settings.weight_decay);
  auto no_decay_options = options;
  no_decay_options.weight_decay(0.0);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(options));
  groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(no_decay_options));
  adamw_ = std::make_unique<torch::optim::AdamW>(groups, options);
  if (path == OptimizerPath::Fused && !GATELAB_FUSED_OPTIMIZER)
    throw std::logic_error("the fused optimizer needs LibTorch >= 2.1");
}

torch::optim::AdamWParamState* TrainOptimizer::state_of(const torch::Tensor& p) {
  auto it = adamw_->state().find(state_key(adamw_->state(), p));
  return it == adamw_->state().end() ? nullptr : static_cast<torch::optim::AdamWParamState*>(it->second.get());
}

void TrainOptimizer::set_lr(double lr) {
  for (auto& group : adamw_->param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
}

torch::Tensor TrainOptimizer::clip_grad_norm(double max_norm) {
  std::vector<torch::Tensor> parameters;
  for (const auto& group : adamw_->param_groups())
    parameters.insert(parameters.end(), group.params().begin(), group.params().end());
  const double limit = max_norm > 0 && std::isfinite(max_norm) ? max_norm : INFINITY;
  if (path_ == OptimizerPath::Plain)
    return torch::tensor(torch::nn::utils::clip_grad_norm_(parameters, limit), torch::kFloat64);
#if GATELAB_FUSED_OPTIMIZER
  torch::NoGradGuard no_grad;
  auto grads = grads_of(parameters);
  if (grads.empty()) return torch::zeros({}, torch::kFloat64);
  // The same arithmetic as nn::utils::clip_grad_norm_, in multi-tensor kernels and without its host sync.
  auto norms = at::_foreach_norm(grads, 2);
  auto total = norms.size() == 1 ? norms[0] : torch::stack(norms).norm(2);
  if (std::isfinite(limit)) at::_foreach_mul_(grads, torch::clamp(limit / (total + 1e-6), c10::nullopt, 1.0));
  return total;
#else
  throw std::logic_error("unreachable: fused path without LibTorch >= 2.1");
#endif
}

void TrainOptimizer::step() {
  if (path_ == OptimizerPath::Plain) {
    adamw_->step();
    return;
  }
  fused_step();
}

// LibTorch's AdamW::step, per group, as one _fused_adamw_ call per (dtype, step count): decoupled weight decay
// p *= 1 - lr wd, moments m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, p -= lr / (1 - b1^t) m / (sqrt(v) /
// sqrt(1 - b2^t) + eps). The kernel reads the step count and does not advance it, so one tensor serves a batch.
void TrainOptimizer::fused_step() {
#if GATELAB_FUSED_OPTIMIZER
  torch::NoGradGuard no_grad;
  for (auto& group : adamw_->param_groups()) {
    const auto& o = static_cast<const torch::optim::AdamWOptions&>(group.options());
    std::map<std::pair<int, int64_t>, FusedBatch> batches;
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& state = created_state(*adamw_, p);
      state.step(state.step() + 1);
      auto& batch = batches[{static_cast<int>(p.scalar_type()), state.step()}];
      batch.params.push_back(p);
      batch.grads.push_back(p.grad());
      batch.exp_avgs.push_back(state.exp_avg());
      batch.exp_avg_sqs.push_back(state.exp_avg_sq());
    }
    for (auto& [key, batch] : batches) {
      auto step = torch::full({}, static_cast<double>(key.second), batch.params[0].options().dtype(torch::kFloat32));
      std::vector<torch::Tensor> steps(batch.params.size(), step);
      at::_fused_adamw_(batch.params, batch.grads, batch.exp_avgs, batch.exp_avg_sqs, {}, steps, o.lr(),
                        std::get<0>(o.betas()), std::get<1>(o.betas()), o.weight_decay(), o.eps(),
                        /*amsgrad=*/false, /*maximize=*/false);
    }
  }
#endif
}

}  // namespace gatelab::train
