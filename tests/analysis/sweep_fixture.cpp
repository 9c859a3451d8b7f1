#include "tests/analysis/sweep_fixture.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "results/store.h"
#include "tests/support/test_support.h"

namespace gatelab::test {

namespace {

namespace fs = std::filesystem;

struct FixtureRun {
  std::string name;
  std::string overrides;
  bool in_fixture_sweep, in_narrow_sweep, baseline;
};

// Bump the version when the recipe changes, so stale caches are not reused.
constexpr const char* kFixtureName = "analysis-sweep-v4.db";  // v4: runs evaluate at step 0

const std::vector<FixtureRun>& recipe() {
  static const std::string common =
      "--set task.name=mqar --set task.seq_len=32 --set task.mqar.num_kv=4 --set task.mqar.vocab=256 "
      "--set task.mqar.train_examples=2048 --set task.mqar.test_examples=256 --set train.steps=30 "
      "--set train.eval_every=15 --set train.log_every=5 --set train.warmup_steps=5 --set train.batch_size=16 "
      "--set train.eval_batches=4 --set model.n_layers=2 --set model.mlp=none ";
  static const std::vector<FixtureRun> runs = {
      {"soft_base", common + "--set model.d_model=32 --set model.attn.kind=softmax --set train.lr=3e-3", true, false,
       true},
      {"soft_g1",
       common + "--set model.d_model=32 --set model.attn.kind=softmax --set model.attn.gate_position=G1 "
                "--set train.lr=3e-3",
       true, false, false},
      {"soft_g1_head",
       common + "--set model.d_model=32 --set model.attn.kind=softmax "
                "--set model.attn.gate_position=G1 --set model.attn.gate_granularity=headwise "
                "--set train.lr=3e-3",
       true, false, false},
      {"gla_lr1", common + "--set model.d_model=32 --set model.attn.kind=linear --set train.lr=1e-3", true, false,
       false},
      {"gla_lr3", common + "--set model.d_model=32 --set model.attn.kind=linear --set train.lr=3e-3", true, false,
       false},
      {"gla_d16", common + "--set model.d_model=16 --set model.attn.kind=linear --set train.lr=3e-3", true, true,
       false},
  };
  return runs;
}

void build(const std::string& path) {
  TempDir work("fixture");
  const std::string db = work.file("fixture.db");
  for (const auto& run : recipe()) {
    auto result = run_gatelab(fmt::format("run {} --name {} --db '{}' --run-dir '{}' --quiet", run.overrides, run.name,
                                          db, work.file("runs/" + run.name)));
    if (result.exit_code != 0) throw std::runtime_error("fixture run " + run.name + " failed: " + result.output);
  }
  {
    results::Store store(db);
    store.upsert_sweep({"f1f1f1f1f1f1f1f1", "fixture", "tests/analysis/fixture.yaml",
                        "# the analysis test fixture (tests/analysis/sweep_fixture.cpp)\nbaseline: soft_base\n"});
    store.upsert_sweep({"a2a2a2a2a2a2a2a2", "narrow", "", ""});
    for (const auto& run : recipe()) {
      SQLite::Statement st(store.db(), "SELECT run_id FROM runs WHERE name = ?");
      st.bind(1, run.name);
      if (!st.executeStep()) throw std::runtime_error("fixture run " + run.name + " not in the DB");
      const std::string id = st.getColumn(0).getString();
      if (run.in_fixture_sweep) store.link_sweep_run("f1f1f1f1f1f1f1f1", id, run.name, run.baseline);
      if (run.in_narrow_sweep) store.link_sweep_run("a2a2a2a2a2a2a2a2", id, run.name, false);
    }
    store.db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  const std::string tmp = path + ".tmp";
  fs::copy_file(db, tmp, fs::copy_options::overwrite_existing);
  fs::rename(tmp, path);
}

}  // namespace

const std::string& sweep_fixture_db() {
  static const std::string path = [] {
    const fs::path dir = fs::path(gatelab_binary()).parent_path() / "test-fixtures";
    fs::create_directories(dir);
    const std::string db = (dir / kFixtureName).string();
    int lock = ::open((db + ".lock").c_str(), O_CREAT | O_RDWR, 0644);
    if (lock < 0 || ::flock(lock, LOCK_EX) != 0) throw std::runtime_error("cannot lock " + db + ".lock");
    bool fresh = fs::exists(db) && fs::last_write_time(db) > fs::last_write_time(gatelab_binary());
    if (!fresh) {
      WARN("building the analysis fixture sweep (6 tiny runs, about a minute): " << db);
      build(db);
    }
    ::flock(lock, LOCK_UN);
    ::close(lock);
    return db;
  }();
  return path;
}

const std::map<std::string, std::string>& sweep_fixture_runs() {
  static const std::map<std::string, std::string> ids = [] {
    std::map<std::string, std::string> out;
    SQLite::Database db(sweep_fixture_db(), SQLite::OPEN_READONLY);
    SQLite::Statement st(db, "SELECT name, run_id FROM runs");
    while (st.executeStep()) out[st.getColumn(0).getString()] = st.getColumn(1).getString();
    return out;
  }();
  return ids;
}

std::vector<std::string> add_seed_copies(const std::string& db_path, const std::string& name, int copies) {
  SQLite::Database db(db_path, SQLite::OPEN_READWRITE);
  const std::string original = db.execAndGet("SELECT run_id FROM runs WHERE name = '" + name + "'").getString();
  std::vector<std::string> ids;
  for (int seed = 1; seed <= copies; ++seed) {
    const std::string id = fmt::format("{}{:02d}", original.substr(0, 14), seed);
    auto exec = [&](const std::string& sql) {
      SQLite::Statement st(db, sql);
      st.bind(":id", id);
      st.bind(":seed", seed);
      st.bind(":original", original);
      st.exec();
    };
    exec(
        "INSERT INTO runs (run_id, name, config_json, config_hash, seed, status, steps_done, tokens_done, "
        "tokens_per_s) SELECT :id, name || ',seed=' || :seed, json_set(config_json, '$.seed', :seed), :id, :seed, "
        "status, steps_done, tokens_done, tokens_per_s FROM runs WHERE run_id = :original");
    exec(
        "INSERT INTO metrics (run_id, step, split, key, value) SELECT :id, step, split, key, "
        "value * (1 + 0.03 * :seed) FROM metrics WHERE run_id = :original");
    exec(
        "INSERT INTO sweep_runs (sweep_id, run_id, run_name, is_baseline) SELECT sweep_id, :id, "
        "run_name || ',seed=' || :seed, is_baseline FROM sweep_runs WHERE run_id = :original");
    ids.push_back(id);
  }
  return ids;
}

std::string copy_sweep_fixture(const std::string& dir) {
  const std::string copy = dir + "/results.db";
  fs::copy_file(sweep_fixture_db(), copy, fs::copy_options::overwrite_existing);
  return copy;
}

}  // namespace gatelab::test
