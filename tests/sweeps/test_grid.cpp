// Grid files: expansion (product, zip, include/exclude, seeds) against hand-written run lists, run identity, and
// every bad-input case with its message and position, checked both in the library and through the CLI (which
// must launch nothing).
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>

#include "harness/config/config.h"
#include "harness/util/errors.h"
#include "sweeps/cost.h"
#include "sweeps/grid.h"
#include "tests/support/test_support.h"

using gatelab::sweeps::parse_sweep;
using gatelab::sweeps::SweepPlan;
namespace config = gatelab::config;
using json = nlohmann::json;

namespace {

// The run a hand-written partial config must become: its resolved hash.
std::string id_of(const json& partial) { return config::hash(config::resolve(partial)); }

const char* kBase = R"(
base:
  model: {d_model: 16, n_heads: 2}
  task: {seq_len: 32, mqar: {vocab: 64}}
)";

json base_with(std::initializer_list<std::pair<const char*, json>> settings) {
  json c = {{"model", {{"d_model", 16}, {"n_heads", 2}}}, {"task", {{"seq_len", 32}, {"mqar", {{"vocab", 64}}}}}};
  for (const auto& [k, v] : settings) config::set(c, k, v);
  return c;
}

std::vector<std::string> names(const SweepPlan& plan) {
  std::vector<std::string> out;
  for (const auto& r : plan.runs) out.push_back(r.name);
  return out;
}

std::vector<std::string> ids(const SweepPlan& plan) {
  std::vector<std::string> out;
  for (const auto& r : plan.runs) out.push_back(r.run_id);
  return out;
}

// The message parse_sweep throws for a file.
std::string error_of(const std::string& text) {
  try {
    parse_sweep(text, "bad.yaml");
  } catch (const gatelab::UserError& e) {
    return e.what();
  }
  FAIL("expected a UserError for:\n" << text);
  return "";
}

}  // namespace

TEST_CASE("grid: Cartesian product in file order with the first key slowest", "[sweeps][grid]") {
  auto plan = parse_sweep(std::string("name: p\n") + kBase + R"(
grid:
  model.attn.gate: [none, gla]
  model: {n_layers: [1, 2]}
)",
                          "p.yaml");
  CHECK(names(plan) == std::vector<std::string>{"gate=none,n_layers=1", "gate=none,n_layers=2", "gate=gla,n_layers=1",
                                                "gate=gla,n_layers=2"});
  CHECK(ids(plan) == std::vector<std::string>{id_of(base_with({{"model.attn.gate", "none"}, {"model.n_layers", 1}})),
                                              id_of(base_with({{"model.attn.gate", "none"}, {"model.n_layers", 2}})),
                                              id_of(base_with({{"model.attn.gate", "gla"}, {"model.n_layers", 1}})),
                                              id_of(base_with({{"model.attn.gate", "gla"}, {"model.n_layers", 2}}))});
  CHECK(plan.name == "p");
  for (const auto& r : plan.runs) CHECK_FALSE(r.is_baseline);
}

TEST_CASE("grid: zip varies lists together and is crossed with the grid", "[sweeps][grid]") {
  auto plan = parse_sweep(std::string(kBase) + R"(
zip:
  task.seq_len: [32, 48]
  task.mqar.num_kv: [4, 8]
grid:
  train.lr: [1.0e-3, 3e-3]
)",
                          "sweeps/zipped.yaml");
  CHECK(plan.name == "zipped");  // the file's stem when name: is absent
  CHECK(names(plan) == std::vector<std::string>{"seq_len=32,num_kv=4,lr=0.001", "seq_len=32,num_kv=4,lr=0.003",
                                                "seq_len=48,num_kv=8,lr=0.001", "seq_len=48,num_kv=8,lr=0.003"});
  CHECK(ids(plan) == std::vector<std::string>{
                         id_of(base_with({{"task.seq_len", 32}, {"task.mqar.num_kv", 4}, {"train.lr", 1e-3}})),
                         id_of(base_with({{"task.seq_len", 32}, {"task.mqar.num_kv", 4}, {"train.lr", 3e-3}})),
                         id_of(base_with({{"task.seq_len", 48}, {"task.mqar.num_kv", 8}, {"train.lr", 1e-3}})),
                         id_of(base_with({{"task.seq_len", 48}, {"task.mqar.num_kv", 8}, {"train.lr", 3e-3}}))});
}

TEST_CASE("grid: exclude removes partial matches and include adds cases and baseline marks runs", "[sweeps][grid]") {
  auto plan = parse_sweep(std::string("name: ie\n") + kBase + R"(
grid:
  model.attn.kind: [linear, softmax]
  model.attn.gate: [none, gla, refining]
exclude:
  - {model.attn.kind: softmax}            # partial: removes all three softmax cases
  - {model.attn.gate: refining}           # removes linear+refining
include:
  - {model.attn.kind: softmax, model.attn.gate: none, model.hybrid_every: 0}
  - {model.hybrid_every: 2}
baseline: {model.attn.kind: softmax}
)",
                          "ie.yaml");
  // A name leaves out what does not apply to its run: a softmax model has no decay gate.
  CHECK(names(plan) == std::vector<std::string>{"kind=linear,gate=none", "kind=linear,gate=gla",
                                                "kind=softmax,hybrid_every=0", "hybrid_every=2"});
  CHECK(ids(plan) ==
        std::vector<std::string>{id_of(base_with({{"model.attn.kind", "linear"}, {"model.attn.gate", "none"}})),
                                 id_of(base_with({{"model.attn.kind", "linear"}, {"model.attn.gate", "gla"}})),
                                 id_of(base_with({{"model.attn.kind", "softmax"}, {"model.attn.gate", "none"}})),
                                 id_of(base_with({{"model.hybrid_every", 2}}))});
  std::vector<bool> baseline;
  for (const auto& r : plan.runs) baseline.push_back(r.is_baseline);
  CHECK(baseline == std::vector<bool>{false, false, true, false});
}

TEST_CASE("grid: seeds repeat every case innermost from a count or a list", "[sweeps][grid]") {
  auto counted =
      parse_sweep(std::string("name: s\n") + kBase + "grid: {model.attn.gate: [none, gla]}\nseeds: 2\n", "s.yaml");
  CHECK(names(counted) ==
        std::vector<std::string>{"gate=none,seed=0", "gate=none,seed=1", "gate=gla,seed=0", "gate=gla,seed=1"});
  CHECK(counted.runs[1].run_id == id_of(base_with({{"model.attn.gate", "none"}, {"seed", 1}})));
  auto listed = parse_sweep(std::string("name: s\n") + kBase + "seeds: [3, 7]\nrun_name: \"r-s{seed}\"\n", "s.yaml");
  CHECK(names(listed) == std::vector<std::string>{"r-s3", "r-s7"});
  CHECK(listed.runs[1].run_id == id_of(base_with({{"seed", 7}})));
}

TEST_CASE("grid: identity is the resolved config and not the file", "[sweeps][grid]") {
  // Nested vs dotted keys, key order, an explicit default, different names and templates: the same runs.
  auto a = parse_sweep(
      "name: a\nbase: {model: {d_model: 16, n_heads: 2}, task: {seq_len: 32, mqar: {vocab: 64}}}\n"
      "grid: {model.attn.gate: [gla]}\n",
      "a.yaml");
  auto b = parse_sweep(
      "name: b\nrun_name: \"x-{model.attn.gate}\"\ngrid:\n  model: {attn: {gate: [gla]}}\nbase:\n"
      "  task.mqar.vocab: 64\n  task.seq_len: 32\n  model.n_heads: 2\n  model.d_model: 16\n  seed: 0\n",
      "b.yaml");
  REQUIRE(a.runs.size() == 1);
  REQUIRE(b.runs.size() == 1);
  CHECK(a.runs[0].run_id == b.runs[0].run_id);
  CHECK(b.runs[0].name == "x-gla");
  CHECK(a.sweep_id != b.sweep_id);  // a sweep is its name and its run set
  // A case repeated by an include resolves to the same run and is kept once.
  auto dup = parse_sweep(std::string("name: d\n") + kBase +
                             "grid: {model.attn.gate: [none, gla]}\ninclude:\n"
                             "  - {model.attn.gate: gla}\n",
                         "d.yaml");
  CHECK(dup.runs.size() == 2);
  CHECK(dup.merged_duplicates == 1);
}

TEST_CASE("grid: options that do not apply to a case collapse it into one run and the plan says why",
          "[sweeps][grid][identity]") {
  // A gate is a linear-attention option: an all-softmax model ignores it, so both cases are one run.
  auto plan = parse_sweep(
      std::string("name: dup\n") + kBase + "grid:\n  model.attn.kind: [softmax]\n  model.attn.gate: [gla, refining]\n",
      "dup.yaml");
  REQUIRE(plan.runs.size() == 1);
  CHECK(plan.merged_duplicates == 1);
  REQUIRE(plan.out_of_scope_keys.count("model.attn.gate") == 1);
  CHECK(plan.out_of_scope_keys.at("model.attn.gate") == "a layer is linear");
  // The same grid over linear attention is two runs.
  auto linear = parse_sweep(
      std::string("name: lin\n") + kBase + "grid:\n  model.attn.kind: [linear]\n  model.attn.gate: [gla, refining]\n",
      "lin.yaml");
  CHECK(linear.runs.size() == 2);
  CHECK(linear.out_of_scope_keys.empty());
  // A logging cadence is never part of the identity: the run is the one trained with the default cadence.
  auto cadence = parse_sweep(std::string("name: log\n") + kBase + "grid:\n  train.log_every: [10, 20]\n", "log.yaml");
  REQUIRE(cadence.runs.size() == 1);
  CHECK(cadence.runs[0].run_id == parse_sweep(std::string("name: log\n") + kBase, "log.yaml").runs[0].run_id);
  CHECK(cadence.out_of_scope_keys.count("train.log_every") == 1);

  using namespace gatelab::test;
  TempDir dir("plan-collapse");
  write_file(dir.file("dup.yaml"), std::string("name: dup\n") + kBase +
                                       "grid:\n  model.attn.kind: [softmax]\n  model.attn.gate: [gla, refining]\n");
  auto shown = run_gatelab("sweep plan " + dir.file("dup.yaml") + " --db " + dir.file("none.db"));
  INFO(shown.output);
  CHECK(shown.exit_code == 0);
  CHECK_THAT(shown.output, Catch::Contains("2 cases collapse to 1 run:"));
  CHECK_THAT(shown.output, Catch::Contains("model.attn.gate: part of a run's identity only when a layer is linear"));
  CHECK_THAT(shown.output, Catch::Contains("est. time unknown"));
  CHECK_THAT(shown.output, Catch::Contains("(no results database at"));
  // Status without a DB says so instead of listing every run as new.
  auto status = run_gatelab("sweep status " + dir.file("dup.yaml") + " --db " + dir.file("none.db"));
  CHECK(status.exit_code == 2);
  CHECK_THAT(status.output, Catch::Contains("no results database at '" + dir.file("none.db") + "'"));
  CHECK_THAT(status.output, !Catch::Contains("new"));
}

TEST_CASE("grid: the cost of a plan is its tokens and the throughput of finished runs of the same shape",
          "[sweeps][grid][cost]") {
  auto plan =
      parse_sweep(std::string("name: cost\n") + kBase + "grid:\n  model.attn.kind: [linear, softmax]\n" + "seeds: 2\n",
                  "cost.yaml");
  REQUIRE(plan.runs.size() == 4);
  const int64_t tokens = gatelab::config::at(plan.runs[0].config, "train.steps").get<int64_t>() *
                         gatelab::config::at(plan.runs[0].config, "train.batch_size").get<int64_t>() *
                         gatelab::config::at(plan.runs[0].config, "task.seq_len").get<int64_t>();
  CHECK(gatelab::sweeps::estimate_cost(plan, {}).unknown == 4);
  // Run 0 finished at 1000 tokens/s: run 1 (the same model, seed 1) is estimated from it; the softmax runs
  // from the sweep's mean.
  std::vector<gatelab::results::MeasuredThroughput> measured = {
      {plan.runs[0].run_id, plan.runs[0].config.dump(), "cpu", 1000.0}};
  const auto cost = gatelab::sweeps::estimate_cost(plan, measured);
  REQUIRE(cost.runs.size() == 4);
  CHECK(cost.tokens == 4 * tokens);
  CHECK(cost.unknown == 0);
  CHECK(cost.runs[0].basis == "measured");
  CHECK(*cost.runs[0].seconds == Approx(tokens / 1000.0));
  CHECK(cost.runs[1].basis == "same model");  // seeds innermost: runs 0 and 1 are linear
  CHECK(cost.runs[2].basis == "sweep mean");
  CHECK(cost.runs[3].basis == "sweep mean");
  CHECK(gatelab::sweeps::format_duration(200) == "3m20s");
  CHECK(gatelab::sweeps::format_count(12300) == "12.3k");
}

TEST_CASE("grid: bad input is reported with file:line:column and nothing else happens", "[sweeps][grid]") {
  SECTION("unknown key, with the nearest valid key") {
    auto m = error_of("name: x\ngrid:\n  model.attn.gat: [none, gla]\n");
    CHECK_THAT(m,
               Catch::Contains("bad.yaml:3:3: unknown config key 'model.attn.gat'; did you mean 'model.attn.gate'?"));
  }
  SECTION("unknown nested key in base") {
    auto m = error_of("name: x\nbase:\n  model:\n    d_modle: 16\n");
    CHECK_THAT(m, Catch::Contains("bad.yaml:4:5: unknown config key 'model.d_modle'; did you mean 'model.d_model'?"));
  }
  SECTION("invalid value names the valid choices") {
    auto m = error_of("name: x\ngrid:\n  model.attn.gate: [none, glaa]\n");
    CHECK_THAT(m, Catch::Contains("bad.yaml:3:27:"));
    CHECK_THAT(m, Catch::Contains("unknown value 'glaa'; did you mean 'gla'?"));
    std::string valid;  // the registered gates, as the schema lists them: a new gate changes nothing here
    for (const auto& name : gatelab::config::find_key("model.attn.gate")->choices())
      valid += (valid.empty() ? "" : ", ") + name;
    CHECK_THAT(m, Catch::Contains("valid: " + valid));
  }
  SECTION("value of the wrong type") {
    CHECK_THAT(error_of("name: x\nbase: {train: {steps: many}}\n"),
               Catch::Contains("bad.yaml:2:23: config key 'train.steps': expected an integer"));
  }
  SECTION("zip lists of unequal length") {
    auto m = error_of("name: x\nzip:\n  task.seq_len: [32, 64]\n  task.mqar.num_kv: [4, 8, 16]\n");
    CHECK_THAT(m, Catch::Contains("bad.yaml:3:3: zip lists must have equal lengths: task.seq_len has 2, "
                                  "task.mqar.num_kv has 3"));
  }
  SECTION("empty grid") {
    CHECK_THAT(error_of("name: x\ngrid: {}\n"), Catch::Contains("bad.yaml:2:1: 'grid' is empty"));
    CHECK_THAT(error_of("name: x\ngrid:\n  model.attn.gate: []\n"),
               Catch::Contains("bad.yaml:3:20: grid key 'model.attn.gate' has an empty list"));
    CHECK_THAT(error_of("name: x\ngrid: {model.attn.gate: [gla]}\nexclude: [{model.attn.gate: gla}]\n"),
               Catch::Contains("every case was excluded"));
  }
  SECTION("exclude that matches nothing") {
    auto m = error_of("name: x\ngrid: {model.attn.gate: [none, gla]}\nexclude:\n  - {model.attn.gate: refining}\n");
    CHECK_THAT(m, Catch::Contains("bad.yaml:4:5: exclude entry {model.attn.gate=refining} matches no run of the grid"));
  }
  SECTION("baseline that matches nothing") {
    CHECK_THAT(error_of("name: x\ngrid: {model.attn.gate: [none, gla]}\nbaseline: {model.attn.kind: softmax}\n"),
               Catch::Contains("bad.yaml:3:11: baseline {model.attn.kind=softmax} matches no run of the sweep"));
  }
  SECTION("baseline by run name") {
    CHECK_THAT(error_of("name: x\ngrid: {model.attn.gate: [none, gla]}\nbaseline: gate=gl\n"),
               Catch::Contains("bad.yaml:3:11: baseline: unknown run name 'gate=gl'; did you mean 'gate=gla'?"));
    auto plan = parse_sweep("name: x\ngrid: {model.attn.gate: [none, gla]}\nbaseline: gate=gla\n", "x.yaml");
    CHECK_FALSE(plan.runs[0].is_baseline);
    CHECK(plan.runs[1].is_baseline);
  }
  SECTION("inconsistent combination points at the key that caused it") {
    auto m = error_of("name: x\nbase: {model: {n_heads: 4}}\ngrid:\n  model.d_model: [32, 30]\n");
    CHECK_THAT(m, Catch::Contains("bad.yaml:4:23: run with model.d_model=30: config key 'model.n_heads': d_model 30 "
                                  "is not divisible by n_heads 4"));
  }
  SECTION("unknown top-level key, run-name clash, seeds twice, bad template") {
    CHECK_THAT(error_of("name: x\ngird: {model.attn.gate: [gla]}\n"),
               Catch::Contains("bad.yaml:2:1: unknown top-level key 'gird'; did you mean 'grid'?"));
    CHECK_THAT(error_of("name: x\nrun_name: same\ngrid: {model.attn.gate: [none, gla]}\n"),
               Catch::Contains("two different runs get the name 'same'"));
    CHECK_THAT(error_of("name: x\nbase: {seed: 1}\nseeds: 2\n"), Catch::Contains("'seeds' and a 'seed' key"));
    CHECK_THAT(
        error_of("name: x\nrun_name: \"{model.attn.gat}\"\n"),
        Catch::Contains("run_name template: unknown config key 'model.attn.gat'; did you mean 'model.attn.gate'?"));
  }
  SECTION("report names a metric and a known key") {
    CHECK_THAT(
        error_of("name: x\nreport: {metric: accuracy, best_over: train.lrr}\n"),
        Catch::Contains("bad.yaml:2:39: report.best_over: unknown config key 'train.lrr'; did you mean 'train.lr'?"));
    CHECK_THAT(error_of("name: x\nreport: {best_over: train.lr}\n"), Catch::Contains("'report' needs a metric"));
  }
  SECTION("every problem is listed at once") {
    auto m = error_of("name: x\ngrid:\n  model.attn.gat: [none]\n  model.attn.norm: [layrnorm]\n");
    CHECK_THAT(m, Catch::Contains("bad.yaml:3:3:"));
    CHECK_THAT(m, Catch::Contains("bad.yaml:4:21:"));
    CHECK_THAT(m, Catch::Contains("2 problems; nothing was run"));
  }
  SECTION("hostile input: a huge name, an alias that contains itself, keys given twice, two documents") {
    CHECK_THAT(error_of("name: " + std::string(60000, 'a') + "\n"), Catch::Contains("bad.yaml:1:7: sweep name"));
    CHECK_THAT(error_of("name: x\nbase: &x\n  model: {d_model: 16}\n  <<: *x\n"),
               Catch::Contains("nests deeper than any config key"));
    CHECK_THAT(error_of("name: x\nbase: {seed: &s [*s]}\n"), Catch::Contains("nests deeper than"));
    CHECK_THAT(error_of("name: x\nbase:\n  model: {d_model: 16}\n  model: {d_model: 32}\n"),
               Catch::Contains("bad.yaml:4:11: config key 'model.d_model' is given twice (first at line 3)"));
    CHECK_THAT(error_of("name: x\nbase:\n  model.d_model: 16\n  model: {d_model: 32}\n"),
               Catch::Contains("config key 'model.d_model' is given twice"));
    CHECK_THAT(error_of("name: x\ngrid: {model.attn.gate: [gla]}\ngrid: {model.attn.gate: [none]}\n"),
               Catch::Contains("bad.yaml:3:1: top-level key 'grid' is given twice (first at line 2)"));
    CHECK_THAT(error_of("name: x\n---\nname: y\n"), Catch::Contains("holds one YAML document; this one has 2"));
    CHECK_THAT(error_of("name: x\nrun_name: ''\n"), Catch::Contains("'run_name' must be a template string"));
    CHECK_THAT(error_of("name: x\nbase: {train: {steps: " + std::string(60000, '9') + "}}\n"),
               Catch::Contains("train.steps"));
  }
  SECTION("YAML syntax error") {
    CHECK_THAT(error_of("name: x\ngrid: {model.attn.gate: [none, gla}\n"), Catch::Contains("bad.yaml:2:"));
  }
}

TEST_CASE("gatelab sweep run: a bad grid exits 2 with its message and launches nothing", "[sweeps][grid][cli][slow]") {
  using namespace gatelab::test;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"name: x\ngrid:\n  model.attn.gat: [none, gla]\n", "x.yaml:3:3: unknown config key 'model.attn.gat'"},
      {"name: x\ngrid:\n  model.attn.gate: [none, glaa]\n", "did you mean 'gla'? valid: none, "},
      {"name: x\nzip:\n  task.seq_len: [32, 64]\n  task.mqar.num_kv: [4]\n", "zip lists must have equal lengths"},
      {"name: x\ngrid: {}\n", "'grid' is empty"},
      {"name: x\ngrid: {model.attn.gate: [none, gla]}\nexclude: [{model.attn.gate: fixed}]\n", "matches no run"},
  };
  for (const auto& [text, expected] : cases) {
    TempDir dir("sweep-bad");
    write_file(dir.file("x.yaml"), text);
    auto result = run_gatelab("sweep run " + dir.file("x.yaml") + " --db " + dir.file("r.db") + " --runs-dir " +
                              dir.file("runs"));
    INFO(result.output);
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.output, Catch::Contains(expected));
    CHECK_FALSE(std::filesystem::exists(dir.file("r.db")));
    CHECK_FALSE(std::filesystem::exists(dir.file("runs")));
    auto plan = run_gatelab("sweep plan " + dir.file("x.yaml"));
    CHECK(plan.exit_code == 2);
  }
}

TEST_CASE("gatelab sweep run: bad scheduler options exit 2 before anything is written", "[sweeps][grid][cli][slow]") {
  using namespace gatelab::test;
  TempDir dir("sweep-bad-options");
  write_file(dir.file("x.yaml"), "name: x\ngrid: {model.attn.gate: [none, gla]}\n");
  for (const std::string options : {"--gpus 0,x", "--runs-per-gpu 0", "--progress fancy", "--backend slurmm",
                                    "--mps sometimes", "--gpus 7", "--gpus none --runs-per-gpu 2 --mps on"}) {
    auto result = run_gatelab("sweep run " + dir.file("x.yaml") + " --db " + dir.file("r.db") + " --runs-dir " +
                              dir.file("runs") + " " + options);
    INFO(options << "\n" << result.output);
    CHECK(result.exit_code == 2);
    CHECK_FALSE(std::filesystem::exists(dir.file("r.db")));
    CHECK_FALSE(std::filesystem::exists(dir.file("runs")));
  }
}

TEST_CASE("gatelab sweep plan works for every shipped sweep", "[sweeps][grid][cli][slow]") {
  using namespace gatelab::test;
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(source_dir() + "/sweeps")) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    TempDir dir("sweep-plan");
    auto result = run_gatelab("sweep plan " + entry.path().string() + " --db " + dir.file("none.db"));
    INFO(entry.path() << "\n" << result.output);
    CHECK(result.exit_code == 0);
    CHECK_THAT(result.output, Catch::Contains(" runs: "));
    CHECK_FALSE(std::filesystem::exists(dir.file("none.db")));  // planning writes nothing
    auto plan = gatelab::sweeps::load_sweep(entry.path().string());
    CHECK(plan.runs.size() >= 2);
    CHECK_THAT(result.output, Catch::Contains(plan.runs.front().run_id));
  }
  CHECK(count >= 4);
  // The shipped studies are the grids the issue names.
  // mqar: (L, D) x 13 variants x d_model x lr (Zoology's figure 2); mqar_quick: 2 x 10 x 3 x 2.
  CHECK(gatelab::sweeps::load_sweep(source_dir() + "/sweeps/mqar.yaml").runs.size() == 4 * 13 * 4 * 4);
  CHECK(gatelab::sweeps::load_sweep(source_dir() + "/sweeps/mqar_quick.yaml").runs.size() == 2 * 10 * 3 * 2);
  CHECK(gatelab::sweeps::load_sweep(source_dir() + "/sweeps/regla.yaml").runs.size() == 4 * 3 * 4 + 2);
  // gated_attention: G1..G5 and none, 12 included cases (G1 variants, two lr pairs, QK-norm off), two seeds each.
  CHECK(gatelab::sweeps::load_sweep(source_dir() + "/sweeps/gated_attention.yaml").runs.size() == (6 + 12) * 2);
}

TEST_CASE("grid: a grid over the run cap is refused before expansion with its size and how to raise the cap",
          "[sweeps][grid]") {
  // 835,440 runs (the grid size that used to plan for minutes): 40 x 6 x 59 x 59 cases times 1 seed.
  auto list = [](int n, int first) {
    std::string out = "[";
    for (int i = 0; i < n; ++i) out += (i ? ", " : "") + std::to_string(first + i);
    return out + "]";
  };
  const std::string text = std::string(kBase) + "grid:\n  train.warmup_steps: " + list(40, 0) +
                           "\n  model.n_layers: " + list(6, 1) + "\n  task.seq_len: " + list(59, 16) +
                           "\n  train.steps: " + list(59, 100) + "\n";
  const auto started = std::chrono::steady_clock::now();
  try {
    parse_sweep(text, "huge.yaml");
    FAIL("an 835,440-run grid was planned");
  } catch (const gatelab::UserError& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK_THAT(message, Catch::Contains("835440 runs"));
    CHECK_THAT(message, Catch::Contains("40 x 6 x 59 x 59"));
    CHECK_THAT(message, Catch::Contains("cap of 10000"));
    CHECK_THAT(message, Catch::Contains("--max-runs 835440"));
    CHECK_THAT(message, Catch::StartsWith("huge.yaml:"));
  }
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));  // refused, not expanded

  // The cap counts seeds and includes, and a raised cap plans the grid.
  const std::string small = std::string(kBase) +
                            "grid:\n  model.attn.gate: [none, gla, fixed]\nseeds: 2\n"
                            "include:\n  - {model.attn.kind: softmax}\n";  // (3 + 1) x 2 = 8 runs
  CHECK_THROWS_WITH(parse_sweep(small, "small.yaml", 7), Catch::Contains("8 runs ((grid 3 + 1 includes) x 2 seeds)"));
  CHECK(parse_sweep(small, "small.yaml", 8).runs.size() == 8);
}

TEST_CASE("gatelab sweep plan --max-runs: the cap is a flag and refused grids exit 2", "[sweeps][grid][cli]") {
  using namespace gatelab::test;
  TempDir dir("max-runs");
  write_file(dir.file("grid.yaml"), std::string(kBase) + "grid:\n  model.attn.gate: [none, gla, fixed]\n");
  auto refused = run_gatelab("sweep plan '" + dir.file("grid.yaml") + "' --max-runs 2 --db '" + dir.file("r.db") + "'");
  INFO(refused.output);
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.output, Catch::Contains("3 runs") && Catch::Contains("--max-runs 3"));
  CHECK(run_gatelab("sweep plan '" + dir.file("grid.yaml") + "' --max-runs 3 --db '" + dir.file("r.db") + "'")
            .exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(dir.file("r.db")));  // planning writes nothing
}
