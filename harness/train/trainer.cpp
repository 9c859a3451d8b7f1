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
#include "harness/train/optimizer.h"
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
constexpr int64_t kProbeRows = 4;
constexpr double kDivergedLossFactor = 10;  // see Training::divergence  // probes look at a few sequences: [B, H, T, T] attention weights grow fast

// Logits [N, V] (fp32) and labels [N] of the labelled positions only; every position when all are labelled (text),
// so the text path is the plain forward.
std::pair<torch::Tensor, torch::Tensor> labelled_logits(variants::LanguageModel& model, const torch::Tensor& inputs,
                                                        const torch::Tensor& labels) {
  auto mask = labels != kIgnoreIndex;  // [B, T]
  if (mask.all().item<bool>()) {
    auto logits = model->forward(inputs).to(torch::kFloat32);  // [B, T, V]
    return {logits.view({-1, logits.size(-1)}), labels.view({-1})};
  }
  return {model->forward_at(inputs, mask).to(torch::kFloat32), labels.index({mask})};
}

// A batch's inputs and labels as `n` slices along the batch dimension (equal but for a shorter last one).
std::vector<std::pair<torch::Tensor, torch::Tensor>> slices(const torch::Tensor& inputs, const torch::Tensor& labels,
                                                            int n) {
  auto input_slices = inputs.chunk(n, 0), label_slices = labels.chunk(n, 0);
  std::vector<std::pair<torch::Tensor, torch::Tensor>> out;
  for (size_t i = 0; i < input_slices.size(); ++i) out.emplace_back(input_slices[i], label_slices[i]);
  return out;
}

// Mean cross entropy (and argmax accuracy) over labelled positions of the fixed evaluation set, each batch in
// `micro_batches` slices (the training step's split, so evaluation fits wherever training does).
tasks::EvalTotals evaluate(variants::LanguageModel& model, const std::vector<tasks::Batch>& batches,
                           const torch::Device& device, int micro_batches) {
  torch::NoGradGuard no_grad;
  double loss_sum = 0, correct = 0, count = 0;
  for (const auto& batch : batches) {
    for (const auto& [inputs, labels] : slices(batch.inputs, batch.labels, micro_batches)) {
      auto [flat_logits, flat_labels] = labelled_logits(model, inputs.to(device), labels.to(device));
      loss_sum += torch::nn::functional::cross_entropy(flat_logits, flat_labels,
                                                       torch::nn::functional::CrossEntropyFuncOptions()
                                                           .ignore_index(kIgnoreIndex)
                                                           .reduction(torch::kSum))
                      .item<double>();
      auto mask = flat_labels != kIgnoreIndex;
      correct += (flat_logits.argmax(-1).eq(flat_labels) & mask).sum().item<double>();
      count += mask.sum().item<double>();
    }
  }
  return {loss_sum / std::max(1.0, count), correct / std::max(1.0, count)};
}

// The run's AdamW (two parameter groups, optimizer.h), fused where this device and LibTorch allow.
std::unique_ptr<TrainOptimizer> make_optimizer(variants::LanguageModel& model, const nlohmann::json& c,
                                               const torch::Device& device) {
  AdamWSettings settings{config::at(c, "train.lr").get<double>(), config::at(c, "train.beta1").get<double>(),
                         config::at(c, "train.beta2").get<double>(), config::at(c, "train.weight_decay").get<double>()};
  const auto path = fused_optimizer_available(device) ? OptimizerPath::Fused : OptimizerPath::Plain;
  return std::make_unique<TrainOptimizer>(model->parameters(), settings, path);
}

// The run's training settings, read once from the resolved config.
struct TrainSettings {
  int64_t seed, steps, batch_size, seq_len, log_every, eval_every, checkpoint_every;
  double grad_clip, early_stop;
};

TrainSettings read_settings(const nlohmann::json& c) {
  TrainSettings s;
  s.seed = config::at(c, "seed");
  s.steps = config::at(c, "train.steps");
  s.batch_size = config::at(c, "train.batch_size");
  s.seq_len = config::at(c, "task.seq_len");
  s.log_every = config::at(c, "train.log_every");
  s.eval_every = config::at(c, "train.eval_every");
  s.checkpoint_every = config::at(c, "train.checkpoint_every");
  s.grad_clip = config::at(c, "train.grad_clip");
  s.early_stop = config::at(c, "train.early_stop_accuracy");
  return s;
}

torch::ScalarType checked_dtype(const nlohmann::json& c, const torch::Device& device) {
  const auto dtype = config::at(c, "train.dtype") == "bfloat16" ? torch::kBFloat16 : torch::kFloat32;
  if (dtype == torch::kBFloat16 && device.is_cpu())
    throw UserError("train.dtype = bfloat16 needs a CUDA device; use float32 on CPU");
  return dtype;
}

// <run_dir>/run.log, appended: every line the run prints, also when it runs quiet.
std::ofstream open_run_log(const std::string& run_dir) {
  std::filesystem::create_directories(run_dir);
  return std::ofstream(std::filesystem::path(run_dir) / "run.log", std::ios::app);
}

// One run from setup to its end. The phases, in order: setup (device, task, model, checkpoint), start (the run's
// DB row), the step loop (with periodic logging, evaluation and checkpoints), and one of the endings.
class Training {
 public:
  // Setup, the run already claimed in `store`. A usable checkpoint of this run is loaded when resuming.
  Training(const RunOptions& options, results::Store& store)
      : options_(options),
        c_(options.config),
        run_id_(config::hash(c_)),
        store_(store),
        threads_(set_threads(options.threads)),
        device_(choose_device(options.device)),
        dtype_(checked_dtype(c_, device_)),
        log_(open_run_log(options.run_dir)),
        task_(tasks::task_registry().get(config::at(c_, "task.name")).make({c_, options.data_dir})),
        spec_(config::model_spec(c_, task_->vocab_size())),
        s_(read_settings(c_)),
        schedule_{config::at(c_, "train.lr"), config::at(c_, "train.min_lr_ratio"),
                  config::at(c_, "train.warmup_steps"), s_.steps},
        probe_settings_{config::at(c_, "probes.saturation_eps"), config::at(c_, "probes.histogram_bins")} {
    build();
    position_.config_hash = run_id_;
    if (options.resume) {
      auto loaded = load_checkpoint(options.run_dir, *model_, optimizer_->adamw(), run_id_, device_);
      if (loaded.position) position_ = *loaded.position;
      else build();  // nothing usable: start clean (a half-read file must not leave stray weights behind)
      checkpoint_note_ = loaded.note;
      if (!checkpoint_note_.empty()) warn(checkpoint_note_);
    }
  }

  // The run's row (claimed as 'running' before setup), now with its context; rows measured after the checkpoint
  // are dropped.
  void record_start() {
    results::RunRecord record;
    record.run_id = run_id_;
    record.name = options_.name.empty() ? run_id_ : options_.name;
    record.config_json = config::canonical(c_);
    record.seed = s_.seed;
    record.status = results::RunStatus::Running;
    record.status_reason = noted("");
    record.git_commit = git_commit();
    record.device = describe_device(device_, threads_);
    if (options_.micro_batches > 1) record.device += fmt::format(", {} micro-batches per step", options_.micro_batches);
    record.versions_json = versions_json();
    record.data_json = task_->provenance().dump();
    record.n_params = model_->parameter_count();
    record.restart_count = options_.restart_count;
    store_.upsert_run(record);
    record_attempt(record.git_commit);
    // Anything measured after the checkpoint is measured again: no duplicates, no stale rows.
    store_.truncate_after(run_id_, position_.step);
    say(fmt::format("run {} ({}) on {}: {} parameters, {} steps of {}x{} tokens{}", record.name, run_id_, record.device,
                    record.n_params, s_.steps, s_.batch_size, s_.seq_len,
                    position_.step ? fmt::format(", resuming at step {}", position_.step) : ""));
    eval_set_ = task_->eval_batches(s_.batch_size, config::at(c_, "train.eval_batches"));
  }

  // The step loop, until the last step or an earlier ending.
  RunOutcome train() {
    SignalScope signals;
    model_->train();
    // The model at init is measured too (step 0: loss, probes, gate histograms), so every curve and every
    // saturation study starts where training starts. Rows are keyed by step: a restart from step 0 rewrites them.
    if (position_.step == 0) evaluate_and_record(0);
    window_start_ = std::chrono::steady_clock::now();
    while (position_.step < s_.steps) {
      const double lr = schedule_.at(position_.step);
      const auto grad_norm = optimizer_step(lr);
      if (!grad_norm) return RunOutcome::Diverged;
      const bool last = position_.step == s_.steps;
      if (position_.step % s_.log_every == 0 || last) record_train_window(lr, grad_norm->item<double>());
      bool stop_early = false;
      if (position_.step % s_.eval_every == 0 || last) {
        double accuracy = evaluate_and_record(position_.step);
        stop_early = s_.early_stop > 0 && accuracy >= s_.early_stop;
        window_start_ = std::chrono::steady_clock::now();  // evaluation time is not training throughput
      }
      if (stop_early) return finish_early();
      if (s_.checkpoint_every > 0 && position_.step % s_.checkpoint_every == 0) checkpoint();
      if (interrupt_requested() && !last) return interrupt(results::RunStatus::Interrupted);
      if (past_time_limit() && !last) return interrupt(results::RunStatus::Stopped);
    }
    return finish();
  }

 private:
  void say(const std::string& line) {
    log_ << line << std::endl;
    if (!options_.quiet) std::cout << line << std::endl;
  }

  // One line on stderr (also when quiet) and in the run log.
  void warn(const std::string& line) {
    log_ << "warning: " << line << std::endl;
    std::cerr << "gatelab: warning: " << line << std::endl;
  }

  // A status reason with the checkpoint note appended: a run that fell back to an older checkpoint says so.
  std::string noted(const std::string& reason) const {
    if (checkpoint_note_.empty()) return reason;
    return reason.empty() ? checkpoint_note_ : reason + "; " + checkpoint_note_;
  }

  void build() {
    torch::manual_seed(static_cast<uint64_t>(s_.seed));  // parameter init is the only randomness a run draws
    model_ = variants::LanguageModel(spec_);
    model_->to(device_, dtype_);
    optimizer_ = make_optimizer(model_, c_, device_);
  }

  // This process's row in `attempts`, and a warning when a resume continues on another device or CPU thread
  // count: reductions split differently, so the result will not equal an uninterrupted run's exactly.
  void record_attempt(const std::string& commit) {
    const auto previous = store_.record_attempt(run_id_, {0, position_.step, device_.str(), threads_, commit});
    if (!previous || position_.step == 0) return;
    const bool moved = previous->device != device_.str() || (device_.is_cpu() && previous->threads != threads_);
    if (moved)
      warn(
          fmt::format("resuming at step {} on {} with {} threads, but attempt {} ran on {} with {} threads: the "
                      "result will differ in the last digits from an uninterrupted run (pass --device {} --threads "
                      "{} to keep it exact)",
                      position_.step, device_.str(), threads_, previous->attempt, previous->device, previous->threads,
                      previous->device, previous->threads));
  }

  void checkpoint() { save_checkpoint(options_.run_dir, *model_, optimizer_->adamw(), position_); }

  // One optimizer step at position_.step. Returns the gradient norm (before clipping; a 0-dim device tensor, read
  // only on logged steps so other steps need no second host sync), or nullopt when the run diverged (recorded).
  std::optional<torch::Tensor> optimizer_step(double lr) {
    const int64_t step = position_.step;
    optimizer_->set_lr(lr);
    auto batch = task_->train_batch(step, s_.batch_size);
    auto inputs = batch.inputs.to(device_), labels = batch.labels.to(device_);  // [B, T]
    // Dropout draws from torch's generator: seeding it from (seed, step) keeps a run a pure function of its config
    // and seed across resumes, without generator state in the checkpoint.
    torch::manual_seed(static_cast<uint64_t>(s_.seed) * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(step));
    optimizer_->zero_grad();
    // Steps are counted from 1 in the DB (metrics.step = steps done), in the reason and in --inject-nan-at.
    const int64_t step_number = step + 1;
    double loss_value = options_.micro_batches == 1 ? backward_whole(inputs, labels)
                                                    : backward_in_slices(inputs, labels);
    if (step_number == options_.inject_nan_at_step) loss_value = NAN;
    if (auto reason = divergence(loss_value, step_number)) {
      store_.write_metrics(run_id_, {{step_number, "train", "loss", loss_value}});
      store_.set_status(run_id_, results::RunStatus::Diverged, noted(*reason));
      say("diverged: " + *reason);
      return std::nullopt;
    }
    auto grad_norm = optimizer_->clip_grad_norm(s_.grad_clip);  // grad_clip 0: measured, not clipped
    optimizer_->step();

    position_.step = step + 1;
    position_.tokens += s_.batch_size * s_.seq_len;
    position_.loss_sum += loss_value;
    position_.loss_count += 1;
    window_tokens_ += s_.batch_size * s_.seq_len;
    ++steps_this_process_;
    return grad_norm;
  }

  // The batch's mean loss and its gradients in one pass. A non-finite loss is not backpropagated (the weights
  // of a diverged run stay as they were).
  double backward_whole(const torch::Tensor& inputs, const torch::Tensor& labels) {
    auto [logits, flat_labels] = labelled_logits(model_, inputs, labels);  // [N, V], [N]
    auto loss = torch::nn::functional::cross_entropy(
        logits, flat_labels, torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kIgnoreIndex));
    const double value = loss.item<double>();
    if (std::isfinite(value)) loss.backward();
    return value;
  }

  // The same mean loss and gradients, accumulated over options_.micro_batches slices of the batch: each slice's
  // summed loss is divided by the whole batch's labelled count, so the slices add up to the batch mean.
  double backward_in_slices(const torch::Tensor& inputs, const torch::Tensor& labels) {
    const double labelled = std::max(1.0, (labels != kIgnoreIndex).sum().item<double>());
    double total = 0;
    for (const auto& [slice_inputs, slice_labels] : slices(inputs, labels, options_.micro_batches)) {
      auto [logits, flat_labels] = labelled_logits(model_, slice_inputs, slice_labels);
      auto loss = torch::nn::functional::cross_entropy(logits, flat_labels,
                                                       torch::nn::functional::CrossEntropyFuncOptions()
                                                           .ignore_index(kIgnoreIndex)
                                                           .reduction(torch::kSum)) /
                  labelled;
      const double value = loss.item<double>();
      total += value;
      if (!std::isfinite(value)) return value;
      loss.backward();
    }
    return total;
  }

  // Why the step's training loss means the run diverged, or nullopt: not finite, or kDivergedLossFactor times the
  // loss of guessing uniformly (ln vocab) — a model that far worse than chance is not coming back, and an absurd
  // learning rate often blows the loss up without ever reaching Inf.
  std::optional<std::string> divergence(double loss_value, int64_t step_number) const {
    if (!std::isfinite(loss_value)) return fmt::format("training loss is {} at step {}", loss_value, step_number);
    const double chance = std::log(static_cast<double>(task_->vocab_size()));
    if (loss_value > kDivergedLossFactor * chance)
      return fmt::format("training loss {:.4g} at step {} is above {} x ln(vocab {}) = {:.4g}, far worse than guessing",
                         loss_value, step_number, kDivergedLossFactor, task_->vocab_size(), kDivergedLossFactor * chance);
    return std::nullopt;
  }

  // The training metrics of the steps since the last log line, and the run's progress.
  void record_train_window(double lr, double grad_norm) {
    if (device_.is_cuda()) torch::cuda::synchronize();
    auto now = std::chrono::steady_clock::now();
    double seconds = std::chrono::duration<double>(now - window_start_).count();
    position_.elapsed_s += seconds;
    double tokens_per_s = window_tokens_ / std::max(seconds, 1e-9);
    double mean_loss = position_.loss_sum / static_cast<double>(position_.loss_count);
    store_.write_metrics(run_id_, {{position_.step, "train", "loss", mean_loss},
                                    {position_.step, "train", "lr", lr},
                                    {position_.step, "train", "grad_norm", grad_norm},
                                    {position_.step, "train", "tokens_per_s", tokens_per_s}});
    store_.set_progress(run_id_, position_.step, position_.tokens,
                         position_.tokens / std::max(position_.elapsed_s, 1e-9));
    say(fmt::format("step {:>6}  loss {:.4f}  lr {:.2e}  grad {:.3f}  {:.0f} tok/s", position_.step, mean_loss, lr,
                    grad_norm, tokens_per_s));
    position_.loss_sum = 0;
    position_.loss_count = 0;
    window_start_ = std::chrono::steady_clock::now();
    window_tokens_ = 0;
  }

  // Evaluation, probes and their DB rows for the model after `step` steps. Returns the accuracy (NaN for text).
  double evaluate_and_record(int64_t step) {
    model_->eval();
    const tasks::EvalTotals totals = evaluate(model_, eval_set_, device_, options_.micro_batches);
    const tasks::MetricValues values = task_->eval_metrics(totals);
    std::vector<results::MetricRow> rows{{step, "valid", "loss", totals.mean_loss}};
    for (const auto& [key, value] : values) rows.push_back({step, "valid", key, value});
    record_probes(step, rows);
    store_.write_metrics(run_id_, rows);
    model_->train();
    say(fmt::format("step {:>6}  valid loss {:.4f}{}", step, totals.mean_loss,
                    values.empty() ? "" : fmt::format("  {} {:.4f}", values.front().first, values.front().second)));
    for (const auto& [key, value] : values)
      if (key == "accuracy") return value;  // train.early_stop_accuracy applies to tasks that report accuracy
    return NAN;
  }

  // Gate statistics, histograms and layer statistics of a few evaluation sequences; their metric rows are added
  // to `rows` (written with the evaluation's).
  void record_probes(int64_t step, std::vector<results::MetricRow>& rows) {
    torch::NoGradGuard no_grad;
    std::vector<variants::LayerProbe> layer_probes;
    const auto& first = eval_set_.front().inputs;  // [B, T]
    auto probe_inputs = first.narrow(0, 0, std::min<int64_t>(kProbeRows, first.size(0)));
    model_->forward_with_probes(probe_inputs.to(device_), layer_probes);
    auto probe_rows = probes::measure_all(layer_probes, probe_settings_, step);
    rows.insert(rows.end(), probe_rows.metrics.begin(), probe_rows.metrics.end());
    store_.write_gate_stats(run_id_, probe_rows.gate_stats);
    store_.write_gate_histograms(run_id_, probe_rows.gate_histograms);
    std::vector<results::LayerStatRow> layer_rows;
    for (auto& [layer, row] : probe_rows.layer_stats) layer_rows.push_back(row);
    store_.write_layer_stats(run_id_, layer_rows);
  }

  bool interrupt_requested() const {
    return g_stop_signal != 0 ||
           (options_.interrupt_after_steps >= 0 && steps_this_process_ >= options_.interrupt_after_steps);
  }

  RunOutcome finish_early() {
    checkpoint();
    store_.set_status(run_id_, results::RunStatus::Finished,
                       noted(fmt::format("early stop: accuracy >= {} at step {}", s_.early_stop, position_.step)));
    say(fmt::format("finished early at step {}", position_.step));
    return RunOutcome::Finished;
  }

  bool past_time_limit() const {
    return options_.max_minutes > 0 &&
           std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count() >=
               options_.max_minutes * 60;
  }

  // A stop with a checkpoint, resumable: a signal (or the testing aid) ends it as interrupted, the time limit as
  // stopped.
  RunOutcome interrupt(results::RunStatus status) {
    checkpoint();
    const bool stopped = status == results::RunStatus::Stopped;
    std::string reason =
        stopped ? fmt::format("time limit of {} minutes reached at step {}", options_.max_minutes, position_.step)
        : g_stop_signal ? fmt::format("signal {} at step {}", g_stop_signal.load(), position_.step)
                        : fmt::format("interrupted after {} steps (test)", steps_this_process_);
    store_.set_status(run_id_, status, noted(reason));
    say(results::to_string(status) + ": " + reason + "; checkpoint written, resume with the same command");
    return stopped ? RunOutcome::Stopped : RunOutcome::Interrupted;
  }

  RunOutcome finish() {
    checkpoint();
    store_.set_status(run_id_, results::RunStatus::Finished, noted(""));
    say(fmt::format("finished {} steps", s_.steps));
    return RunOutcome::Finished;
  }

  const RunOptions& options_;
  const nlohmann::json& c_;
  const std::string run_id_;
  results::Store& store_;
  const int threads_;
  const torch::Device device_;
  const torch::ScalarType dtype_;
  std::ofstream log_;
  std::unique_ptr<tasks::Task> task_;
  const variants::ModelSpec spec_;
  const TrainSettings s_;
  const LrSchedule schedule_;
  const probes::ProbeSettings probe_settings_;
  variants::LanguageModel model_{nullptr};
  std::unique_ptr<TrainOptimizer> optimizer_;
  TrainPosition position_;
  std::string checkpoint_note_;  // why a checkpoint was rejected at start ("" when none was)
  std::vector<tasks::Batch> eval_set_;
  std::chrono::steady_clock::time_point window_start_;
  int64_t window_tokens_ = 0;
  int64_t steps_this_process_ = 0;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();  // for --max-minutes
};

// The outcome already recorded when resuming a run that ended; nullopt when there is training to do.
std::optional<RunOutcome> recorded_ending(results::Store& store, const std::string& run_id, const RunOptions& options) {
  if (!options.resume) return std::nullopt;
  auto status = store.run_status(run_id);
  if (!status || !results::is_done(*status)) return std::nullopt;
  if (!options.quiet)
    std::cout << fmt::format("run {} is already {} in {}; nothing to do (--no-resume starts it over)\n", run_id,
                             results::to_string(*status), options.db_path);
  return *status == results::RunStatus::Finished ? RunOutcome::Finished : RunOutcome::Diverged;
}

// Best effort: when the DB itself is what cannot be written, the row stays 'running' and the next start of the
// run (or of its sweep) takes it over. Nothing is printed: the error that reaches main is the one line to show,
// and it is the DB's own error when the DB is what failed.
void record_failure(results::Store& store, const std::string& run_id, results::RunStatus status,
                    const std::string& error) noexcept {
  try {
    store.set_status(run_id, status, error);
  } catch (const std::exception&) {
  }
}

// An allocation that failed: torch's out-of-memory error (CUDA, and the CPU allocator on newer LibTorch), the CPU
// allocator's message on LibTorch 1.13, or operator new's.
bool is_out_of_memory(const std::exception& e) {
  if (dynamic_cast<const c10::OutOfMemoryError*>(&e) || dynamic_cast<const std::bad_alloc*>(&e)) return true;
  const std::string message = e.what();
  return message.find("can't allocate memory") != std::string::npos ||
         message.find("out of memory") != std::string::npos;
}

// The first line of an error: LibTorch appends a C++ stack trace that would fill the reason column.
std::string first_line(const std::string& message) { return message.substr(0, message.find('\n')); }

// Bad input is refused before the DB is touched.
void check_options(const RunOptions& options) {
  checked_dtype(options.config, choose_device(options.device));
  const int64_t batch_size = config::at(options.config, "train.batch_size");
  if (options.micro_batches < 1 || batch_size % options.micro_batches != 0)
    throw UserError(fmt::format("--micro-batches must be >= 1 and divide train.batch_size = {}, got {}", batch_size,
                                options.micro_batches));
}

}  // namespace

RunOutcome train_run(const RunOptions& options) {
  check_options(options);
  results::Store store(options.db_path);
  const std::string run_id = config::hash(options.config);
  if (auto ended = recorded_ending(store, run_id, options)) return *ended;
  // The attempt counts from here, before the slow setup: a process killed while loading has still tried.
  store.claim_run(run_id, options.name.empty() ? run_id : options.name, config::canonical(options.config),
                  config::at(options.config, "seed").get<int64_t>());
  // Not handled here, only recorded: a failure after the claim (a write that cannot complete, a corpus that
  // cannot be read) must leave the run 'failed' with the error, not 'running'; main still reports it. Running
  // out of memory is an outcome: the run's memory is freed (Training is gone) before it is recorded.
  std::string out_of_memory;
  try {
    Training training(options, store);
    training.record_start();
    return training.train();
  } catch (const std::exception& e) {
    if (!is_out_of_memory(e)) {
      record_failure(store, run_id, results::RunStatus::Failed, e.what());
      throw;
    }
    out_of_memory = fmt::format("out of memory with {} micro-batch{} per step: {}", options.micro_batches,
                                options.micro_batches == 1 ? "" : "es", first_line(e.what()));
  }
  record_failure(store, run_id, results::RunStatus::OutOfMemory, out_of_memory);
  std::cerr << "gatelab: run " << run_id << ": " << out_of_memory << "\n";
  return RunOutcome::OutOfMemory;
}

}  // namespace gatelab::train
