// A training task: where batches come from. Batches are a pure function of (config, seed, step), so a run resumed
// at step s sees exactly the batches an uninterrupted run sees: the data position is the step.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/util/registry.h"

namespace gatelab::tasks {

struct Batch {
  torch::Tensor inputs;  // [B, T] int64 token ids
  torch::Tensor labels;  // [B, T] int64 next-token / recall labels; -100 where no loss is taken
};

// What the trainer measures on the fixed evaluation set: mean cross entropy and argmax accuracy over labelled
// positions.
struct EvalTotals {
  double mean_loss;
  double accuracy;
};

// A task's reported metrics, in order (the first is the headline of the log line): each key is registered in
// results/metric_registry, which says its direction, unit and label.
using MetricValues = std::vector<std::pair<std::string, double>>;

class Task {
 public:
  virtual ~Task() = default;
  virtual int64_t vocab_size() const = 0;
  // The training batch of optimizer step `step` (0-based).
  virtual Batch train_batch(int64_t step, int64_t batch_size) const = 0;
  // The fixed evaluation set, in batches of at most `batch_size`; the same for every step and every resume.
  virtual std::vector<Batch> eval_batches(int64_t batch_size, int64_t max_batches) const = 0;
  // One example as one line of text: token ids rendered readably, labels beside them.
  virtual std::string render_example(const Batch& batch, int64_t row) const = 0;
  // The metrics this task reports besides loss, from the evaluation totals: accuracy (MQAR), bpb and ppl (text).
  virtual MetricValues eval_metrics(const EvalTotals& totals) const = 0;
  // Where the data came from (generator parameters, or corpus manifest with sha256), stored with the run.
  virtual nlohmann::json provenance() const = 0;
};

struct TaskContext {
  nlohmann::json config;  // the resolved run config
  std::string data_dir;   // root of built corpora (scripts/build_corpus.sh writes DATA_DIR/<corpus>/...)
};

using TaskFactory = std::unique_ptr<Task> (*)(const TaskContext&);
const Registry<TaskFactory>& task_registry();

// Where corpora live: $GATELAB_DATA, else ./data, else <source tree>/data.
std::string default_data_dir();

}  // namespace gatelab::tasks
