// `gatelab rekey`: a DB written by an older gatelab (runs under ids its identity rules gave them, configs without
// keys added since) gets the ids this version plans, so relaunching its grid finds every run; nothing is lost; two
// old runs with one identity today merge into one; a second rekey and a dry run change nothing.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "harness/config/config.h"
#include "results/store.h"
#include "sweeps/grid.h"
#include "tests/support/test_support.h"

using namespace gatelab;
using namespace gatelab::test;

namespace {

const char* kGrid = R"(name: rekeyed
base:
  model: {d_model: 16, n_heads: 2, n_layers: 1, mlp: none}
  task: {name: mqar, seq_len: 32, mqar: {num_kv: 4, vocab: 64, train_examples: 512, test_examples: 64}}
  train: {steps: 20, batch_size: 8, log_every: 5}
grid:
  model.attn.kind: [linear, softmax]
)";

// The id an older gatelab gave planned run `index`, and its config as it stored it: without `model.attn.short_conv`
// (a key added later, at its default here), and with `log_every` as given (out of every run's identity today).
std::string old_id(size_t index, int variant = 0) { return fmt::format("00000000000{:02d}{:03d}", variant, index); }
std::string old_config(const config::json& resolved, int64_t log_every) {
  config::json old = resolved;
  old["model"]["attn"].erase("short_conv");
  old["train"]["log_every"] = log_every;
  return config::canonical(old);
}

// Stores run `id` as a finished (or interrupted) run with a loss at steps 1..steps, one attempt, a tag and a note.
void store_old_run(results::Store& db, const std::string& id, const std::string& config_json, bool finished, int steps,
                   const std::string& device) {
  db.claim_run(id, "run-" + id, config_json, 0);
  results::RunRecord record;
  record.run_id = id;
  record.name = "run-" + id;
  record.config_json = config_json;
  record.status = finished ? results::RunStatus::Finished : results::RunStatus::Interrupted;
  db.upsert_run(record);
  std::vector<results::MetricRow> rows;
  for (int step = 1; step <= steps; ++step) rows.push_back({step, "train", "loss", 1.0 / step});
  db.write_metrics(id, rows);
  db.set_progress(id, steps, steps * 8, 100.0);
  db.record_attempt(id, {0, 0, device, 1, "old"});
  db.set_tag("run", id, "idea", "from " + id);
}

int64_t count(const std::string& db_path, const std::string& sql) {
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  return db.execAndGet(sql).getInt64();
}

}  // namespace

TEST_CASE("rekey gives an older DB's runs and sweep the ids a relaunch plans and loses nothing", "[sweeps][rekey]") {
  TempDir dir("rekey");
  write_file(dir.file("grid.yaml"), kGrid);
  const auto plan = sweeps::load_sweep(dir.file("grid.yaml"));
  REQUIRE(plan.runs.size() == 2);
  const std::string db_path = dir.file("old.db");
  {
    results::Store db(db_path);
    db.upsert_sweep({"0000000000sweep0", plan.name, dir.file("grid.yaml"), kGrid});
    std::vector<results::SweepMember> members;
    for (size_t i = 0; i < plan.runs.size(); ++i) {
      const std::string config_json = old_config(plan.runs[i].config, 5);
      REQUIRE(config::hash(config::resolve(config::json::parse(config_json))) == plan.runs[i].run_id);
      store_old_run(db, old_id(i), config_json, true, 20, "cpu");
      members.push_back({old_id(i), plan.runs[i].name, config_json, 0, false});
    }
    db.add_sweep_members("0000000000sweep0", members);
    db.set_note("run", old_id(1), "kept with its run");
  }
  const auto relaunch_before = run_gatelab("sweep plan " + dir.file("grid.yaml") + " --db " + db_path);
  REQUIRE(relaunch_before.exit_code == 0);
  CHECK_THAT(relaunch_before.output, Catch::Matchers::Contains("2 runs: 2 new"));

  const auto dry = run_gatelab("rekey --dry-run --db " + db_path);
  REQUIRE(dry.exit_code == 0);
  CHECK_THAT(dry.output, Catch::Matchers::Contains(old_id(0) + " -> " + plan.runs[0].run_id));
  CHECK(count(db_path, "SELECT COUNT(*) FROM runs WHERE run_id LIKE '00000000000%'") == 2);

  const auto rekeyed = run_gatelab("rekey --db " + db_path);
  REQUIRE(rekeyed.exit_code == 0);
  CHECK_THAT(rekeyed.output, Catch::Matchers::Contains("2 of 2 run(s) re-keyed (0 merged") &&
                                 Catch::Matchers::Contains("1 sweep(s) re-keyed"));
  for (const auto& run : plan.runs) {
    INFO(run.name);
    CHECK(count(db_path,
                "SELECT COUNT(*) FROM runs WHERE run_id = config_hash AND status = 'finished' AND "
                "run_id = '" +
                    run.run_id + "'") == 1);
    CHECK(count(db_path, "SELECT COUNT(*) FROM metrics WHERE run_id = '" + run.run_id + "'") == 20);
    CHECK(count(db_path, "SELECT COUNT(*) FROM attempts WHERE run_id = '" + run.run_id + "'") == 1);
    CHECK(count(db_path, "SELECT COUNT(*) FROM tags WHERE target = '" + run.run_id + "'") == 1);
    CHECK(count(db_path, "SELECT COUNT(*) FROM sweep_runs WHERE sweep_id = '" + plan.sweep_id + "' AND run_id = '" +
                             run.run_id + "'") == 1);
  }
  CHECK(count(db_path, "SELECT COUNT(*) FROM notes WHERE target = '" + plan.runs[1].run_id + "'") == 1);
  CHECK(count(db_path, "SELECT COUNT(*) FROM sweeps") == 1);
  CHECK(count(db_path, "SELECT COUNT(*) FROM metrics") == 40);
  // The stored config is the one resolved today: it hashes to its run's id.
  CHECK(count(db_path, "SELECT COUNT(*) FROM runs WHERE config_json LIKE '%\"short_conv\":0%'") == 2);

  const auto relaunch = run_gatelab("sweep plan " + dir.file("grid.yaml") + " --db " + db_path);
  REQUIRE(relaunch.exit_code == 0);
  CHECK_THAT(relaunch.output, Catch::Matchers::Contains("2 runs: 2 finished"));
  const auto again = run_gatelab("rekey --db " + db_path);
  CHECK_THAT(again.output,
             Catch::Matchers::Contains("0 of 2 run(s) re-keyed") && Catch::Matchers::Contains("0 sweep(s) re-keyed"));
}

TEST_CASE("rekey merges two old runs that have one identity today and keeps the further one's state",
          "[sweeps][rekey]") {
  TempDir dir("rekey");
  write_file(dir.file("grid.yaml"), kGrid);
  const auto plan = sweeps::load_sweep(dir.file("grid.yaml"));
  const std::string db_path = dir.file("old.db");
  const std::string id = plan.runs[0].run_id;
  {
    // The same run twice under an older gatelab: configs differing only in log_every (then part of the identity).
    results::Store db(db_path);
    store_old_run(db, old_id(0, 1), old_config(plan.runs[0].config, 5), false, 8, "cuda:0");
    store_old_run(db, old_id(0, 2), old_config(plan.runs[0].config, 7), true, 20, "cuda:1");
  }
  const auto rekeyed = run_gatelab("rekey --db " + db_path);
  REQUIRE(rekeyed.exit_code == 0);
  CHECK_THAT(rekeyed.output, Catch::Matchers::Contains("2 of 2 run(s) re-keyed (1 merged"));
  CHECK(count(db_path, "SELECT COUNT(*) FROM runs") == 1);
  CHECK(count(db_path, "SELECT COUNT(*) FROM runs WHERE run_id = '" + id +
                           "' AND status = 'finished' AND "
                           "steps_done = 20 AND attempts = 2") == 1);
  CHECK(count(db_path, "SELECT COUNT(*) FROM metrics WHERE run_id = '" + id + "'") == 20);  // steps 1..8 once
  CHECK(count(db_path, "SELECT COUNT(*) FROM attempts WHERE run_id = '" + id + "'") == 2);
  CHECK(count(db_path, "SELECT COUNT(*) FROM attempts WHERE run_id = '" + id + "' AND attempt = 2") == 1);
  CHECK(count(db_path, "SELECT COUNT(*) FROM tags WHERE target = '" + id + "'") == 1);
  CHECK(count(db_path, "SELECT COUNT(*) FROM tags") == 1);
  CHECK(count(db_path, "SELECT COUNT(*) FROM pragma_foreign_key_check") == 0);
}

TEST_CASE("rekey refuses a missing DB with exit 2 and creates none", "[sweeps][rekey]") {
  TempDir dir("rekey");
  const auto missing = run_gatelab("rekey --db " + dir.file("nowhere.db"));
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.output, Catch::Matchers::Contains("no results database at"));
  CHECK_FALSE(std::filesystem::exists(dir.file("nowhere.db")));
}
