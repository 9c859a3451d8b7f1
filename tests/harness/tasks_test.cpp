// Tasks: batches are a pure function of (config, seed, step) — the property resume relies on — and MQAR follows
// docs/RESEARCH.md section 3 exactly. Loops over the task registry so a new task is checked for free.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "harness/config/config.h"
#include "harness/tasks/task.h"
#include "tests/support/test_support.h"

using namespace gatelab;
using namespace gatelab::test;

namespace {

nlohmann::json config_for(const std::string& task) {
  nlohmann::json partial = {{"task", {{"name", task}, {"seq_len", 64}}}};
  if (task == "mqar") partial["task"]["mqar"] = {{"num_kv", 8}, {"vocab", 512}};
  return config::resolve(partial);
}

}  // namespace

TEST_CASE("every task: batches are a pure function of the step and eval batches are fixed and examples render") {
  TempDir dir("tasks");
  const auto data_dir = tiny_corpus_dir(dir);
  for (const auto& entry : tasks::task_registry().entries()) {
    DYNAMIC_SECTION(entry.name) {
      auto c = config_for(entry.name);
      auto task = entry.make({c, data_dir});
      auto again = entry.make({c, data_dir});
      auto a = task->train_batch(7, 4), b = again->train_batch(7, 4), other = task->train_batch(8, 4);
      CHECK(torch::equal(a.inputs, b.inputs));
      CHECK(torch::equal(a.labels, b.labels));
      CHECK_FALSE(torch::equal(a.inputs, other.inputs));
      CHECK(a.inputs.sizes() == torch::IntArrayRef({4, 64}));
      CHECK(a.inputs.min().item<int64_t>() >= 0);
      CHECK(a.inputs.max().item<int64_t>() < task->vocab_size());
      auto e1 = task->eval_batches(4, 2), e2 = again->eval_batches(4, 2);
      REQUIRE(e1.size() == e2.size());
      REQUIRE(!e1.empty());
      CHECK(torch::equal(e1[0].inputs, e2[0].inputs));
      CHECK(!task->render_example(a, 0).empty());
      CHECK(!task->provenance().empty());
    }
  }
}

TEST_CASE("MQAR follows Zoology: D labels per example and keys then values with the label on the query key") {
  auto c = config_for("mqar");
  auto task = tasks::task_registry().get("mqar").make({c, ""});
  const int64_t V = 512, D = 8, L = 64;
  auto batch = task->train_batch(3, 16);
  for (int64_t row = 0; row < 16; ++row) {
    auto inputs = batch.inputs[row], labels = batch.labels[row];
    std::map<int64_t, int64_t> pairs;  // key -> value from the context
    for (int64_t i = 0; i < D; ++i) {
      int64_t key = inputs[2 * i].item<int64_t>(), value = inputs[2 * i + 1].item<int64_t>();
      CHECK(key >= 1);
      CHECK(key < V / 2);
      CHECK(value >= V / 2);
      CHECK(value < V);
      pairs[key] = value;
    }
    CHECK(pairs.size() == static_cast<size_t>(D));  // distinct keys
    int64_t n_labels = 0;
    std::set<int64_t> queried;
    for (int64_t t = 0; t < L; ++t) {
      int64_t label = labels[t].item<int64_t>();
      if (label == -100) continue;
      ++n_labels;
      CHECK(t >= 2 * D);
      CHECK((t - 2 * D) % 2 == 0);  // query slots are C + 2s
      int64_t key = inputs[t].item<int64_t>();
      REQUIRE(pairs.count(key) == 1);
      CHECK(pairs[key] == label);  // the model predicts the value at the key itself
      queried.insert(key);
    }
    CHECK(n_labels == D);
    CHECK(queried.size() == static_cast<size_t>(D));  // every key is queried once
  }
}

TEST_CASE("MQAR rejects impossible settings with the constraint named") {
  nlohmann::json partial = {{"task", {{"name", "mqar"}, {"seq_len", 32}, {"mqar", {{"num_kv", 16}, {"vocab", 512}}}}}};
  CHECK_THROWS_WITH(config::resolve(partial), Catch::Contains("4*num_kv <= seq_len"));
}

TEST_CASE("Zoology's recipe: train.epochs sets the steps from the MQAR set size and the batch") {
  // Zoology's figure 2: 64 epochs of 100k examples at batch 512 (L <= 128) and 256 (L = 256).
  nlohmann::json partial = {{"train", {{"epochs", 64}, {"batch_size", 512}, {"steps", 7}}},
                            {"task", {{"mqar", {{"train_examples", 100000}}}}}};
  CHECK(config::at(config::resolve(partial), "train.steps").get<int64_t>() == 12500);
  partial["train"]["batch_size"] = 256;
  CHECK(config::at(config::resolve(partial), "train.steps").get<int64_t>() == 25000);
  partial["train"]["epochs"] = 0.001;  // a fraction of an epoch rounds up to whole steps
  CHECK(config::at(config::resolve(partial), "train.steps").get<int64_t>() == 1);
  // Resolving a resolved config changes nothing: a stored run keeps its identity.
  auto resolved = config::resolve(partial);
  CHECK(config::hash(config::resolve(resolved)) == config::hash(resolved));
  partial["task"] = {{"name", "bytes"}};
  CHECK_THROWS_WITH(config::resolve(partial), Catch::Contains("train.epochs"));
}

TEST_CASE("gate_init fla zeroes the gate bias: another bias init is refused") {
  nlohmann::json partial = {{"model", {{"attn", {{"gate_init", "fla"}, {"gate_bias_init", "extreme"}}}}}};
  CHECK_THROWS_WITH(config::resolve(partial), Catch::Contains("gate_bias_init"));
  partial["model"]["attn"]["gate_bias_init"] = "uniform";
  CHECK_NOTHROW(config::resolve(partial));
}

TEST_CASE("gatelab examples prints one example a line with labels beside the tokens") {
  TempDir dir("examples");
  auto result = run_gatelab("examples --set task.mqar.vocab=512 --set task.mqar.num_kv=4 -n 3");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(std::count(result.output.begin(), result.output.end(), '\n') == 3);
  CHECK(result.output.find("→") != std::string::npos);
  const auto data_dir = tiny_corpus_dir(dir);
  auto text = run_gatelab("examples --set task.name=bytes --set task.seq_len=40 -n 2 --data-dir '" + data_dir + "'");
  INFO(text.output);
  REQUIRE(text.exit_code == 0);
  CHECK(text.output.find("beginning") != std::string::npos);
}
