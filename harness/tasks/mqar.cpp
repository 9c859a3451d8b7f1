// MQAR, multi-query associative recall (Zoology, docs/RESEARCH.md section 3). Examples are generated on the fly, each a
// pure function of (seed, split, index); the training order is a per-epoch permutation, also seeded.
#include <fmt/format.h>

#include <cmath>
#include <mutex>
#include <numeric>

#include "harness/config/config.h"
#include "harness/tasks/example_rng.h"
#include "harness/tasks/task.h"

namespace gatelab::tasks {

namespace {

constexpr int64_t kIgnore = -100;
constexpr uint64_t kTrainStream = 1, kTestStream = 2, kOrderStream = 3;

class MqarTask : public Task {
 public:
  explicit MqarTask(const TaskContext& ctx) {
    const auto& c = ctx.config;
    seed_ = config::at(c, "seed");
    L_ = config::at(c, "task.seq_len");
    D_ = config::at(c, "task.mqar.num_kv");
    V_ = config::at(c, "task.mqar.vocab");
    n_train_ = config::at(c, "task.mqar.train_examples");
    n_test_ = config::at(c, "task.mqar.test_examples");
    a_ = config::at(c, "task.mqar.power_a");
    noise_ = config::at(c, "task.mqar.random_noise");
  }

  int64_t vocab_size() const override { return V_; }

  Batch train_batch(int64_t step, int64_t batch_size) const override {
    std::vector<int64_t> indices;
    for (int64_t j = 0; j < batch_size; ++j) {
      int64_t position = step * batch_size + j;  // position in the endless stream of epochs
      indices.push_back(epoch_order(position / n_train_)[static_cast<size_t>(position % n_train_)]);
    }
    return make_batch(kTrainStream, indices);
  }

  std::vector<Batch> eval_batches(int64_t batch_size, int64_t max_batches) const override {
    std::vector<Batch> out;
    for (int64_t start = 0; start < n_test_ && static_cast<int64_t>(out.size()) < max_batches; start += batch_size) {
      std::vector<int64_t> indices;
      for (int64_t i = start; i < std::min(n_test_, start + batch_size); ++i) indices.push_back(i);
      out.push_back(make_batch(kTestStream, indices));
    }
    return out;
  }

  std::string render_example(const Batch& batch, int64_t row) const override {
    auto in = batch.inputs[row], lab = batch.labels[row];
    std::string line;
    for (int64_t t = 0; t < in.size(0); ++t) {
      int64_t label = lab[t].item<int64_t>();
      line += (t ? " " : "") + std::to_string(in[t].item<int64_t>());
      if (label != kIgnore) line += fmt::format("→{}", label);  // query key → the value it must recall
    }
    return line;
  }

  MetricValues eval_metrics(const EvalTotals& totals) const override { return {{"accuracy", totals.accuracy}}; }

  nlohmann::json provenance() const override {
    return {{"task", "mqar"},
            {"generator", "gatelab mqar v1 (Zoology layout)"},
            {"seq_len", L_},
            {"num_kv", D_},
            {"vocab", V_},
            {"train_examples", n_train_},
            {"test_examples", n_test_},
            {"power_a", a_},
            {"random_noise", noise_}};
  }

 private:
  // One example: inputs and labels of length L.
  void generate(uint64_t stream, int64_t index, int64_t* inputs, int64_t* labels) const {
    ExampleRng rng(static_cast<uint64_t>(seed_), stream, static_cast<uint64_t>(index));
    auto distinct = [&](int64_t lo, int64_t hi) {  // D distinct values from [lo, hi) by partial Fisher-Yates
      std::vector<int64_t> pool(static_cast<size_t>(hi - lo));
      std::iota(pool.begin(), pool.end(), lo);
      for (int64_t i = 0; i < D_; ++i) std::swap(pool[i], pool[rng.uniform(i, hi - lo)]);
      pool.resize(static_cast<size_t>(D_));
      return pool;
    };
    auto keys = distinct(1, V_ / 2), values = distinct(V_ / 2, V_);
    const int64_t C = 2 * D_, slots = (L_ - C) / 2;
    std::fill(inputs, inputs + L_, 0);
    std::fill(labels, labels + L_, kIgnore);
    for (int64_t i = 0; i < D_; ++i) {
      inputs[2 * i] = keys[i];
      inputs[2 * i + 1] = values[i];
    }
    // Successive weighted sampling without replacement, weight (s+1)^(a-1): queries cluster soon after the context,
    // and the i-th drawn slot gets key i, so earlier keys tend to be asked earlier.
    std::vector<double> weight(static_cast<size_t>(slots));
    for (int64_t s = 0; s < slots; ++s) weight[s] = std::pow(static_cast<double>(s + 1), a_ - 1.0);
    for (int64_t i = 0; i < D_; ++i) {
      double total = 0;
      for (double w : weight) total += w;
      double pick = rng.unit() * total;
      int64_t slot = 0;
      for (; slot < slots - 1; ++slot) {
        if (weight[slot] == 0) continue;
        if (pick < weight[slot]) break;
        pick -= weight[slot];
      }
      while (weight[slot] == 0) --slot;  // rounding at the end of the walk: take the last available slot
      weight[slot] = 0;
      inputs[C + 2 * slot] = keys[i];
      labels[C + 2 * slot] = values[i];
    }
    if (noise_)
      for (int64_t t = 0; t < L_; ++t)
        if (inputs[t] == 0) inputs[t] = rng.uniform(0, V_);
  }

  Batch make_batch(uint64_t stream, const std::vector<int64_t>& indices) const {
    const int64_t B = static_cast<int64_t>(indices.size());
    auto inputs = torch::empty({B, L_}, torch::kInt64), labels = torch::empty({B, L_}, torch::kInt64);
    for (int64_t b = 0; b < B; ++b)
      generate(stream, indices[b], inputs.data_ptr<int64_t>() + b * L_, labels.data_ptr<int64_t>() + b * L_);
    return {inputs, labels};
  }

  // The permutation of training examples for one epoch (cached: consecutive steps share an epoch).
  const std::vector<int64_t>& epoch_order(int64_t epoch) const {
    std::lock_guard<std::mutex> lock(order_mutex_);
    if (epoch != cached_epoch_) {
      cached_order_.resize(static_cast<size_t>(n_train_));
      std::iota(cached_order_.begin(), cached_order_.end(), 0);
      ExampleRng rng(static_cast<uint64_t>(seed_), kOrderStream, static_cast<uint64_t>(epoch));
      for (int64_t i = n_train_ - 1; i > 0; --i) std::swap(cached_order_[i], cached_order_[rng.uniform(0, i + 1)]);
      cached_epoch_ = epoch;
    }
    return cached_order_;
  }

  int64_t seed_, L_, D_, V_, n_train_, n_test_;
  double a_;
  bool noise_;
  mutable std::mutex order_mutex_;
  mutable int64_t cached_epoch_ = -1;
  mutable std::vector<int64_t> cached_order_;
};

}  // namespace

std::unique_ptr<Task> make_mqar_task(const TaskContext& ctx) { return std::make_unique<MqarTask>(ctx); }

}  // namespace gatelab::tasks
