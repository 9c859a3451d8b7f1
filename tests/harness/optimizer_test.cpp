// The training optimizer's plain path (harness/train/optimizer.h), on any machine: one AdamW step from zero moments
// moves each parameter by the closed form, with weight decay on matrices only, and the clip scales to the limit.
// The fused path is compared with this one on CUDA (tests/gpu/test_fused_optimizer.cpp).
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include "harness/train/optimizer.h"

using namespace gatelab;

TEST_CASE("train optimizer: one plain AdamW step is the closed form with decay on matrices only", "[optimizer]") {
  torch::manual_seed(1);
  auto matrix = torch::randn({3, 4}).requires_grad_(true), vector = torch::randn({4}).requires_grad_(true);
  const auto matrix0 = matrix.detach().clone(), vector0 = vector.detach().clone();
  const train::AdamWSettings settings{0.01, 0.9, 0.95, 0.1};
  train::TrainOptimizer optimizer({matrix, vector}, settings, train::OptimizerPath::Plain);
  CHECK(optimizer.state_of(matrix) == nullptr);
  ((matrix * matrix).sum() + (vector * 3).sum()).backward();
  const auto g_matrix = matrix.grad().clone(), g_vector = vector.grad().clone();
  CHECK(optimizer.clip_grad_norm(0).item<double>() ==
        Approx(std::sqrt(g_matrix.pow(2).sum().item<double>() + g_vector.pow(2).sum().item<double>())));
  optimizer.step();
  // From zero moments the bias-corrected step is lr * g / (|g| + eps); decoupled decay first scales by 1 - lr wd.
  const double eps = 1e-8;
  auto want_matrix = matrix0 * (1 - settings.lr * settings.weight_decay) - settings.lr * g_matrix / (g_matrix.abs() + eps);
  auto want_vector = vector0 - settings.lr * g_vector / (g_vector.abs() + eps);
  CHECK(torch::allclose(matrix.detach(), want_matrix, 1e-6, 1e-7));
  CHECK(torch::allclose(vector.detach(), want_vector, 1e-6, 1e-7));
  auto* state = optimizer.state_of(matrix);
  REQUIRE(state);
  CHECK(state->step() == 1);
  CHECK(torch::allclose(state->exp_avg(), (1 - settings.beta1) * g_matrix));
  CHECK(torch::allclose(state->exp_avg_sq(), (1 - settings.beta2) * g_matrix * g_matrix));
}

TEST_CASE("train optimizer: clipping scales the gradients to the limit and returns the norm before", "[optimizer]") {
  auto p = torch::zeros({2, 2}).requires_grad_(true);
  train::TrainOptimizer optimizer({p}, {}, train::OptimizerPath::Plain);
  (p * torch::full({2, 2}, 3.0)).sum().backward();  // gradient 3 everywhere: norm 6
  CHECK(optimizer.clip_grad_norm(1.5).item<double>() == Approx(6.0));
  CHECK(p.grad().norm().item<double>() == Approx(1.5).epsilon(1e-5));
  CHECK(optimizer.clip_grad_norm(0).item<double>() == Approx(1.5).epsilon(1e-5));  // 0: measured, not scaled
  CHECK(p.grad().norm().item<double>() == Approx(1.5).epsilon(1e-5));
  CHECK(train::fused_optimizer_available(torch::Device(torch::kCPU)) == false);
}
