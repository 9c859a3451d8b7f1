#include "harness/train/trainer.h"

#include <fmt/format.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "harness/config/config.h"
#include "harness/config/model_spec.h"
#include "harness/probes/probe.h"
#include "harness/tasks/task.h"
#include "harness/train/checkpoint.h"
#include "harness/train/device.h"
#include "harness/train/lr_schedule.h"
#include "harness/util/build_info.h"
#include "harness/util/errors.h"
#include "results/store.h"
#include "variants/model/language_model.h"

namespace gatelab::train {

namespace {

// Set by SIGINT/SIGTERM/SIGUSR1 (Slurm sends SIGUSR1 before preemption); the loop checkpoints at the next step.
std::atomic<int> g_stop_signal{0};
void on_stop_signal(int signal) { g_stop_signal = signal; }

class SignalScope {
 public:
  SignalScope() {
    g_stop_signal = 0;
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    for (int s : {SIGINT, SIGTERM, SIGUSR1}) sigaction(s, &action, nullptr);
  }
  ~SignalScope() {
    for (int s : {SIGINT, SIGTERM, SIGUSR1}) signal(s, SIG_DFL);
  }
};

constexpr int64_t kIgnoreIndex = -100;
constexpr int64_t kProbeRows = 4;  // probes look at a few sequences: [B, H, T, T] attention weights grow fast

struct EvalResult {
  double loss = NAN;
  double accuracy = NAN;
};

// Mean cross entropy (and argmax accuracy) over labelled positions of the fixed evaluation set.
EvalResult evaluate(variants::LanguageModel& model, const std::vector<tasks::Batch>& batches,
                    const torch::Device& device) {
  torch::NoGradGuard no_grad;
  double loss_sum = 0, correct = 0, count = 0;
  for (const auto& batch : batches) {
    auto inputs = batch.inputs.to(device), labels = batch.labels.to(device);
    auto logits = model->forward(inputs).to(torch::kFloat32);  // [B, T, V]
    auto flat_logits = logits.view({-1, logits.size(-1)}), flat_labels = labels.view({-1});
    loss_sum += torch::nn::functional::cross_entropy(
                    flat_logits, flat_labels,
                    torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kIgnoreIndex).reduction(torch::kSum))
                    .item<double>();
    auto mask = flat_labels != kIgnoreIndex;
    correct += (flat_logits.argmax(-1).eq(flat_labels) & mask).sum().item<double>();
    count += mask.sum().item<double>();
  }
  return {loss_sum / std::max(1.0, count), correct / std::max(1.0, count)};
}

// Two parameter groups: matrices decay, vectors (biases, norm weights, gate constants) do not.
std::unique_ptr<torch::optim::AdamW> make_optimizer(variants::LanguageModel& model, const nlohmann::json& c) {
  std::vector<torch::Tensor> decay, no_decay;
  for (auto& p : model->parameters()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  auto options = torch::optim::AdamWOptions(config::at(c, "train.lr").get<double>())
                     .betas({config::at(c, "train.beta1").get<double>(), config::at(c, "train.beta2").get<double>()})
                     .weight_decay(config::at(c, "train.weight_decay").get<double>());
  auto no_decay_options = options;
  no_decay_options.weight_decay(0.0);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(options));
  groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(no_decay_options));
  return std::make_unique<torch::optim::AdamW>(groups, options);
}

void set_lr(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
}

}  // namespace

RunOutcome train_run(const RunOptions& options) {
  const auto& c = options.config;
  const std::string run_id = config::hash(c);
  const int threads = set_threads(options.threads);
  const torch::Device device = choose_device(options.device);
  const auto dtype = config::at(c, "train.dtype") == "bfloat16" ? torch::kBFloat16 : torch::kFloat32;
  if (dtype == torch::kBFloat16 && device.is_cpu())
    throw UserError("train.dtype = bfloat16 needs a CUDA device; use float32 on CPU");
  std::filesystem::create_directories(options.run_dir);
  std::ofstream log(std::filesystem::path(options.run_dir) / "run.log", std::ios::app);
  auto say = [&](const std::string& line) {
    log << line << std::endl;
    if (!options.quiet) std::cout << line << std::endl;
  };

  auto task = tasks::task_registry().get(config::at(c, "task.name")).make({c, options.data_dir});
  const auto spec = config::model_spec(c, task->vocab_size());
  const int64_t seed = config::at(c, "seed");
  const int64_t steps = config::at(c, "train.steps"), batch_size = config::at(c, "train.batch_size");
  const int64_t seq_len = config::at(c, "task.seq_len");
  const int64_t log_every = config::at(c, "train.log_every"), eval_every = config::at(c, "train.eval_every");
  const int64_t checkpoint_every = config::at(c, "train.checkpoint_every");
  const double grad_clip = config::at(c, "train.grad_clip"), early_stop = config::at(c, "train.early_stop_accuracy");
  const LrSchedule schedule{config::at(c, "train.lr"), config::at(c, "train.min_lr_ratio"),
                            config::at(c, "train.warmup_steps"), steps};
  const probes::ProbeSettings probe_settings{config::at(c, "probes.saturation_eps"),
                                             config::at(c, "probes.histogram_bins")};

  variants::LanguageModel model{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer;
  auto build = [&] {
    torch::manual_seed(static_cast<uint64_t>(seed));  // parameter init is the only randomness a run draws
    model = variants::LanguageModel(spec);
    model->to(device, dtype);
    optimizer = make_optimizer(model, c);
  };
  build();

  TrainPosition position;
  position.config_hash = run_id;
  if (options.resume) {
    if (auto loaded = load_checkpoint(options.run_dir, *model, *optimizer, run_id, device)) position = *loaded;
    else build();  // nothing usable: start clean (a half-read file must not leave stray weights behind)
  }

  results::Store store(options.db_path);
  if (options.resume) {
    auto status = store.run_status(run_id);
    if (status && (*status == "finished" || *status == "diverged")) {
      say(fmt::format("run {} is already {} in {}; nothing to do (--no-resume starts it over)", run_id, *status,
                      options.db_path));
      return *status == "finished" ? RunOutcome::Finished : RunOutcome::Diverged;
    }
  }
  results::RunRecord record;
  record.run_id = run_id;
  record.name = options.name.empty() ? run_id : options.name;
  record.config_json = config::canonical(c);
  record.seed = seed;
  record.status = "running";
  record.git_commit = git_commit();
  record.device = describe_device(device, threads);
  record.versions_json = versions_json();
  record.data_json = task->provenance().dump();
  record.n_params = model->parameter_count();
  store.upsert_run(record);
  // Anything measured after the checkpoint is measured again: no duplicates, no stale rows.
  store.truncate_after(run_id, position.step);
  say(fmt::format("run {} ({}) on {}: {} parameters, {} steps of {}x{} tokens{}", record.name, run_id, record.device,
                  record.n_params, steps, batch_size, seq_len,
                  position.step ? fmt::format(", resuming at step {}", position.step) : ""));

  const auto eval_set = task->eval_batches(batch_size, config::at(c, "train.eval_batches"));
  const auto metrics_of_task = task->eval_metrics();
  SignalScope signals;
  auto checkpoint = [&] { save_checkpoint(options.run_dir, *model, *optimizer, position); };

  // Evaluation, probes and their DB rows for the model after `step` steps. Returns the accuracy (NaN for text).
  auto evaluate_and_probe = [&](int64_t step) {
    model->eval();
    EvalResult eval = evaluate(model, eval_set, device);
    std::vector<results::MetricRow> rows{{step, "valid", "loss", eval.loss}};
    for (const auto& key : metrics_of_task) {
      if (key == "accuracy") rows.push_back({step, "valid", "accuracy", eval.accuracy});
      if (key == "bpb") rows.push_back({step, "valid", "bpb", eval.loss / std::log(2.0)});
      if (key == "ppl") rows.push_back({step, "valid", "ppl", std::exp(eval.loss)});
    }
    {
      torch::NoGradGuard no_grad;
      std::vector<variants::LayerProbe> layer_probes;
      auto probe_inputs =
          eval_set.front().inputs.narrow(0, 0, std::min<int64_t>(kProbeRows, eval_set.front().inputs.size(0)));
      model->forward_with_probes(probe_inputs.to(device), layer_probes);
      auto probe_rows = probes::measure_all(layer_probes, probe_settings, step);
      rows.insert(rows.end(), probe_rows.metrics.begin(), probe_rows.metrics.end());
      store.write_gate_stats(run_id, probe_rows.gate_stats);
      store.write_gate_histograms(run_id, probe_rows.gate_histograms);
      std::vector<results::LayerStatRow> layer_rows;
      for (auto& [layer, row] : probe_rows.layer_stats) layer_rows.push_back(row);
      store.write_layer_stats(run_id, layer_rows);
    }
    store.write_metrics(run_id, rows);
    model->train();
    say(fmt::format("step {:>6}  valid loss {:.4f}{}", step, eval.loss,
                    std::isnan(eval.accuracy) || metrics_of_task.front() != "accuracy"
                        ? fmt::format("  bpb {:.4f}", eval.loss / std::log(2.0))
                        : fmt::format("  accuracy {:.4f}", eval.accuracy)));
    return metrics_of_task.front() == "accuracy" ? eval.accuracy : NAN;
  };

  model->train();
  auto window_start = std::chrono::steady_clock::now();
  int64_t window_tokens = 0;
  int64_t steps_this_process = 0;
  while (position.step < steps) {
    const int64_t step = position.step;
    const double lr = schedule.at(step);
    set_lr(*optimizer, lr);
    auto batch = task->train_batch(step, batch_size);
    auto inputs = batch.inputs.to(device), labels = batch.labels.to(device);
    auto logits = model->forward(inputs).to(torch::kFloat32);
    auto loss = torch::nn::functional::cross_entropy(
        logits.view({-1, logits.size(-1)}), labels.view({-1}),
        torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kIgnoreIndex));
    const double loss_value = step == options.inject_nan_at_step ? NAN : loss.item<double>();
    if (!std::isfinite(loss_value)) {
      std::string reason = fmt::format("training loss is {} at step {}", loss_value, step);
      store.write_metrics(run_id, {{step + 1, "train", "loss", loss_value}});
      store.set_status(run_id, "diverged", reason);
      say("diverged: " + reason);
      return RunOutcome::Diverged;
    }
    optimizer->zero_grad();
    loss.backward();
    double grad_norm = grad_clip > 0 ? torch::nn::utils::clip_grad_norm_(model->parameters(), grad_clip)
                                     : torch::nn::utils::clip_grad_norm_(model->parameters(), INFINITY);
    optimizer->step();

    position.step = step + 1;
    position.tokens += batch_size * seq_len;
    position.loss_sum += loss_value;
    position.loss_count += 1;
    window_tokens += batch_size * seq_len;
    ++steps_this_process;
    const bool last = position.step == steps;

    if (position.step % log_every == 0 || last) {
      if (device.is_cuda()) torch::cuda::synchronize();
      auto now = std::chrono::steady_clock::now();
      double seconds = std::chrono::duration<double>(now - window_start).count();
      position.elapsed_s += seconds;
      double tokens_per_s = window_tokens / std::max(seconds, 1e-9);
      double mean_loss = position.loss_sum / static_cast<double>(position.loss_count);
      store.write_metrics(run_id, {{position.step, "train", "loss", mean_loss},
                                   {position.step, "train", "lr", lr},
                                   {position.step, "train", "grad_norm", grad_norm},
                                   {position.step, "train", "tokens_per_s", tokens_per_s}});
      store.set_progress(run_id, position.step, position.tokens, position.tokens / std::max(position.elapsed_s, 1e-9));
      say(fmt::format("step {:>6}  loss {:.4f}  lr {:.2e}  grad {:.3f}  {:.0f} tok/s", position.step, mean_loss, lr,
                      grad_norm, tokens_per_s));
      position.loss_sum = 0;
      position.loss_count = 0;
      window_start = std::chrono::steady_clock::now();
      window_tokens = 0;
    }
    bool stop_early = false;
    if (position.step % eval_every == 0 || last) {
      double accuracy = evaluate_and_probe(position.step);
      stop_early = early_stop > 0 && accuracy >= early_stop;
      window_start = std::chrono::steady_clock::now();  // evaluation time is not training throughput
    }
    if (stop_early) {
      checkpoint();
      store.set_status(run_id, "finished",
                       fmt::format("early stop: accuracy >= {} at step {}", early_stop, position.step));
      say(fmt::format("finished early at step {}", position.step));
      return RunOutcome::Finished;
    }
    if (checkpoint_every > 0 && position.step % checkpoint_every == 0) checkpoint();
    const bool interrupt_requested = g_stop_signal != 0 || (options.interrupt_after_steps >= 0 &&
                                                            steps_this_process >= options.interrupt_after_steps);
    if (interrupt_requested && !last) {
      checkpoint();
      std::string reason = g_stop_signal ? fmt::format("signal {} at step {}", g_stop_signal.load(), position.step)
                                         : fmt::format("interrupted after {} steps (test)", steps_this_process);
      store.set_status(run_id, "interrupted", reason);
      say("interrupted: " + reason + "; checkpoint written, resume with the same command");
      return RunOutcome::Interrupted;
    }
  }
  checkpoint();
  store.set_status(run_id, "finished", "");
  say(fmt::format("finished {} steps", steps));
  return RunOutcome::Finished;
}

}  // namespace gatelab::train
