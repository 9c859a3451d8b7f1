// A run's identity (config::hash) leaves out what cannot change the trained model: options of layer kinds or
// tasks a config does not use, and cadences (logging, evaluation without early stopping, checkpoints). Each
// claim is checked against the model itself: the out-of-scope option changed, the weights and outputs (or, for
// cadences, the final weights after training) stay bit-identical. Loops over the schema, so a new scoped key is
// checked for free.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/config/config.h"
#include "harness/config/model_spec.h"
#include "harness/tasks/task.h"
#include "tests/support/test_support.h"
#include "variants/model/language_model.h"

using namespace gatelab;
using namespace gatelab::test;
using nlohmann::json;

namespace {

json tiny(json partial) {
  partial["model"]["d_model"] = 16;
  partial["model"]["n_layers"] = 2;
  partial["task"]["seq_len"] = 32;
  if (!partial["task"].contains("name") || partial["task"]["name"] == "mqar") {
    partial["task"]["mqar"]["num_kv"] = 4;
    partial["task"]["mqar"]["vocab"] = 64;
  }
  return config::resolve(partial);
}

// Another valid value of `key` in config `c`, or nullopt when none of the candidates resolves.
std::optional<json> changed(const json& c, const config::KeySpec& spec) {
  const json current = config::at(c, spec.path);
  std::vector<json> candidates;
  switch (spec.type) {
    case config::KeyType::Bool: candidates = {!current.get<bool>()}; break;
    case config::KeyType::String:
      if (spec.choices)
        for (const auto& name : spec.choices()) candidates.push_back(name);
      break;
    case config::KeyType::Int: {
      const int64_t v = current;
      candidates = {v * 2, v + 1, v - 1};
      break;
    }
    case config::KeyType::Float: {
      const double v = current;
      candidates = {v * 2, v + 0.5, v / 2};
      break;
    }
    case config::KeyType::StringList: break;
  }
  for (const auto& value : candidates) {
    if (value == current) continue;
    json partial = c;
    config::set(partial, spec.path, value);
    try {
      return config::resolve(partial);
    } catch (const config::ConfigError&) {
    }
  }
  return std::nullopt;
}

struct Built {
  std::vector<std::pair<std::string, torch::Tensor>> parameters;
  torch::Tensor logits;  // [B, T, V] of one training batch, in training mode (dropout drawn)
  tasks::Batch train, eval;
};

// The model as the trainer builds it (seeded init), its output on the first training batch, and the data.
Built build(const json& c, const std::string& data_dir) {
  auto task = tasks::task_registry().get(config::at(c, "task.name")).make({c, data_dir});
  const auto seed = static_cast<uint64_t>(config::at(c, "seed").get<int64_t>());
  torch::manual_seed(seed);
  variants::LanguageModel model(config::model_spec(c, task->vocab_size()));
  Built out;
  for (const auto& p : model->named_parameters()) out.parameters.emplace_back(p.key(), p.value().clone());
  out.train = task->train_batch(0, 4);
  out.eval = task->eval_batches(4, 1).front();
  model->train();
  torch::manual_seed(seed + 1);
  out.logits = model->forward(out.train.inputs);
  return out;
}

void require_identical(const Built& a, const Built& b) {
  REQUIRE(a.parameters.size() == b.parameters.size());
  for (size_t i = 0; i < a.parameters.size(); ++i) {
    INFO(a.parameters[i].first);
    REQUIRE(a.parameters[i].first == b.parameters[i].first);
    REQUIRE(torch::equal(a.parameters[i].second, b.parameters[i].second));
  }
  CHECK(torch::equal(a.logits, b.logits));
  CHECK(torch::equal(a.train.inputs, b.train.inputs));
  CHECK(torch::equal(a.eval.inputs, b.eval.inputs));
  CHECK(torch::equal(a.eval.labels, b.eval.labels));
}

}  // namespace

TEST_CASE("an option out of scope of a config leaves its run id and its model bit-identical", "[identity]") {
  TempDir dir("identity");
  const auto data_dir = tiny_corpus_dir(dir);
  const std::vector<json> configs = {
      tiny({{"model", {{"attn", {{"kind", "softmax"}}}}}}),
      tiny({{"model", {{"attn", {{"kind", "linear"}}}}}}),
      tiny({{"model", {{"layers", {"baseconv_long", "linear"}}}}}),
      tiny({{"model", {{"layers", {"baseconv", "softmax"}}}}, {"task", {{"name", "bytes"}}}}),
  };
  size_t checked = 0;
  for (size_t i = 0; i < configs.size(); ++i) {
    const json& c = configs[i];
    const std::string id = config::hash(c);
    for (const auto& spec : config::schema()) {
      if (spec.scope.applies(c) || spec.scope.when.rfind("never", 0) == 0) continue;
      const auto other = changed(c, spec);
      if (!other) {
        WARN("config " << i << ": no other valid value of " << spec.path << " to try");
        continue;
      }
      DYNAMIC_SECTION("config " << i << " " << spec.path << " = " << config::at(*other, spec.path).dump()) {
        CHECK_FALSE(config::out_of_scope_keys(*other).empty());
        CHECK(config::hash(*other) == id);
        require_identical(build(c, data_dir), build(*other, data_dir));
      }
      ++checked;
    }
  }
  // Linear options on the softmax model, softmax options on the linear ones, MQAR options on the text run, ...
  CHECK(checked >= 40);
}

TEST_CASE("an option in scope changes the run id", "[identity]") {
  const json softmax = tiny({{"model", {{"attn", {{"kind", "softmax"}}}}}});
  json gated = softmax;
  config::set(gated, "model.attn.gate_position", "G1");
  CHECK(config::hash(config::resolve(gated)) != config::hash(softmax));
  json linear = tiny({});
  json refining = linear;
  config::set(refining, "model.attn.gate", "refining");
  CHECK(config::hash(config::resolve(refining)) != config::hash(linear));
  // Evaluations decide when an early-stopping run ends: then their cadence is part of the identity.
  json early = linear, early_often = linear;
  config::set(early, "train.early_stop_accuracy", 0.5);
  config::set(early_often, "train.early_stop_accuracy", 0.5);
  config::set(early_often, "train.eval_every", 5);
  CHECK(config::hash(config::resolve(early)) != config::hash(config::resolve(early_often)));
}

TEST_CASE("a run id from before scopes existed stays the same when its out-of-scope keys are at the defaults",
          "[identity]") {
  // Pinned from the hash of the default config as gatelab computed it before scopes (fnv1a64 of the whole
  // canonical resolved config): existing DBs hold such ids.
  const json defaults = config::resolve(json::object());
  CHECK(config::identity_config(defaults) == defaults);
  CHECK(config::hash(defaults) == "ea1b1977ca2cbaf1");
  // A softmax run of the smoke grid's shape whose linear options are untouched keeps its id too.
  const json softmax = config::resolve({{"model", {{"attn", {{"kind", "softmax"}}}}}});
  CHECK(config::hash(softmax) == "295cdff26d1030e4");
}

TEST_CASE("cadence keys leave the run id and the final weights bit-identical", "[identity][slow]") {
  TempDir dir("cadence");
  const std::string tiny_run =
      "run --set model.d_model=16 --set model.n_layers=2 --set task.seq_len=32 --set task.mqar.num_kv=4 "
      "--set task.mqar.vocab=64 --set train.batch_size=4 --set train.steps=24 --set train.eval_batches=2 "
      "--set train.warmup_steps=4 --set model.embed_dropout=0.1 --threads 1 --quiet ";
  const std::vector<std::string> cadences = {
      "--set train.log_every=4 --set train.eval_every=8 --set train.checkpoint_every=100",
      "--set train.log_every=3 --set train.eval_every=5 --set train.checkpoint_every=7"};
  std::vector<std::string> ids;
  std::vector<std::string> checkpoints;
  for (size_t i = 0; i < cadences.size(); ++i) {
    const std::string name = "run" + std::to_string(i);
    auto result = run_gatelab(tiny_run + cadences[i] + " --db '" + dir.file(name + ".db") + "' --run-dir '" +
                              dir.file(name) + "'");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    SQLite::Database db(dir.file(name + ".db"), SQLite::OPEN_READONLY);
    ids.push_back(db.execAndGet("SELECT run_id FROM runs").getString());
    checkpoints.push_back(dir.file(name + "/checkpoint.pt"));
  }
  CHECK(ids[0] == ids[1]);
  // The final checkpoint's model archive: parameters loaded into one model per run, compared bit for bit.
  const json c = tiny({{"model", {{"embed_dropout", 0.1}}}});
  auto task = tasks::task_registry().get("mqar").make({c, ""});
  std::vector<std::vector<torch::Tensor>> weights;
  for (const auto& path : checkpoints) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    const std::string file = bytes.str();
    const size_t payload = file.find('\n') + 1;  // after the header line (harness/train/checkpoint.h)
    torch::serialize::InputArchive archive, model_archive;
    archive.load_from(file.data() + payload, file.size() - payload, torch::kCPU);
    archive.read("model", model_archive);
    variants::LanguageModel model(config::model_spec(c, task->vocab_size()));
    model->load(model_archive);
    std::vector<torch::Tensor> w;
    for (const auto& p : model->parameters()) w.push_back(p.clone());
    weights.push_back(w);
  }
  REQUIRE(weights[0].size() == weights[1].size());
  REQUIRE(!weights[0].empty());
  for (size_t i = 0; i < weights[0].size(); ++i) CHECK(torch::equal(weights[0][i], weights[1][i]));
}
