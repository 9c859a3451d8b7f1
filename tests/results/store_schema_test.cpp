// The results schema: migrations keyed on PRAGMA user_version upgrade old DBs in place, results/schema.sql
// documents exactly what the migrations build, and the views are recreated on every open.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <boost/math/distributions/students_t.hpp>
#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "harness/util/errors.h"
#include "results/store.h"
#include "tests/support/test_support.h"

using namespace gatelab;
using namespace gatelab::test;

namespace {

std::string migration_001() { return read_file(source_dir() + "/results/migrations/001_initial.sql"); }

// A DB as gatelab with schema version 1 wrote it: 001 applied by hand, two runs with metrics, one sweep.
void write_version_1_db(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("PRAGMA journal_mode=WAL");
  db.exec(migration_001());
  db.exec("PRAGMA user_version = 1");
  const std::string config =
      R"({"model":{"attn":{"kind":"softmax","gate_position":"G1","gate_granularity":"headwise",)"
      R"("gate_activation":"sigmoid","feature_map":"identity","norm":"layernorm","gate":"gla","gate_sharing":)"
      R"("head_specific","gate_combine":"multiplicative","gate_input":"dependent","gate_bias_init":"uniform"},)"
      R"("d_model":64,"n_layers":2,"n_heads":4,"hybrid_every":0,"layers":[]},"seed":1,)"
      R"("task":{"name":"text","seq_len":128},"train":{"lr":0.001,"steps":100}})";
  db.exec(
      "INSERT INTO runs (run_id, name, config_json, config_hash, seed, status, steps_done, tokens_done) "
      "VALUES ('00000000000000a1', 'old_run', '" +
      config + "', '00000000000000a1', 1, 'finished', 100, 12800)");
  db.exec(
      "INSERT INTO metrics VALUES ('00000000000000a1', 50, 'valid', 'loss', 2.5), "
      "('00000000000000a1', 100, 'valid', 'loss', 2.25), ('00000000000000a1', 50, 'valid', 'ppl', 12.18), "
      "('00000000000000a1', 100, 'valid', 'ppl', 9.4877), ('00000000000000a1', 100, 'valid', 'bpb', 3.246)");
  db.exec("INSERT INTO sweeps VALUES ('s1', 'old_sweep', NULL, NULL, '2026-01-01T00:00:00Z')");
  db.exec("INSERT INTO sweep_runs VALUES ('s1', '00000000000000a1', 'old_run', 1)");
}

int user_version(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return db.execAndGet("PRAGMA user_version").getInt();
}

// Tables and indexes of a DB as comparable text: columns (name, type, not null, default, pk position) per table
// and columns per index.
std::map<std::string, std::string> schema_of(SQLite::Database& db) {
  std::map<std::string, std::string> out;
  SQLite::Statement objects(db,
                            "SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index') "
                            "AND name NOT LIKE 'sqlite_%'");
  while (objects.executeStep()) {
    const std::string type = objects.getColumn(0).getString(), name = objects.getColumn(1).getString();
    std::ostringstream text;
    if (type == "table") {
      SQLite::Statement info(db, "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?)");
      info.bind(1, name);
      while (info.executeStep())
        text << info.getColumn(0).getString() << " " << info.getColumn(1).getString() << " "
             << info.getColumn(2).getInt() << " " << info.getColumn(3).getString() << " " << info.getColumn(4).getInt()
             << "; ";
    } else {
      text << "on " << objects.getColumn(2).getString() << ":";
      SQLite::Statement info(db, "SELECT name FROM pragma_index_info(?)");
      info.bind(1, name);
      while (info.executeStep()) text << " " << info.getColumn(0).getString();
    }
    out[type + " " + name] = text.str();
  }
  return out;
}

}  // namespace

TEST_CASE("a DB written by the previous schema opens and upgrades in place", "[results][schema]") {
  TempDir dir("schema");
  const std::string path = dir.file("old.db");
  write_version_1_db(path);
  REQUIRE(user_version(path) == 1);
  REQUIRE(results::schema_version() >= 2);
  {
    results::Store store(path);
    CHECK(store.db().execAndGet("PRAGMA user_version").getInt() == results::schema_version());
    // The data survived, and the views read it.
    CHECK(store.db().execAndGet("SELECT count(*) FROM metrics").getInt() == 5);
    SQLite::Statement st(store.db(),
                         "SELECT name, attn_kind, gate_position, gate_granularity, feature_map, "
                         "final_valid_loss, best_valid_loss, final_ppl, best_ppl, final_bpb, "
                         "final_accuracy, variant FROM run_summary");
    REQUIRE(st.executeStep());
    CHECK(st.getColumn(0).getString() == "old_run");
    CHECK(st.getColumn(1).getString() == "softmax");
    CHECK(st.getColumn(2).getString() == "G1");
    CHECK(st.getColumn(3).getString() == "headwise");
    CHECK(st.getColumn(4).isNull());
    CHECK(st.getColumn(5).getDouble() == 2.25);
    CHECK(st.getColumn(6).getDouble() == 2.25);
    CHECK(st.getColumn(7).getDouble() == 9.4877);
    CHECK(st.getColumn(8).getDouble() == 9.4877);
    CHECK(st.getColumn(9).getDouble() == 3.246);
    CHECK(st.getColumn(10).isNull());
    CHECK(st.getColumn(11).getString() == "softmax G1/headwise/sigmoid");
    // Migration 002's indexes exist.
    CHECK(store.db().execAndGet("SELECT count(*) FROM sqlite_master WHERE name = 'metrics_by_run_key'").getInt() == 1);
  }
  CHECK(user_version(path) == results::schema_version());
  // Opening again is a no-op for the schema (migrations are not re-applied).
  results::Store again(path);
  CHECK(again.db().execAndGet("SELECT count(*) FROM runs").getInt() == 1);
}

TEST_CASE("a read-only open of an old DB shows the views without writing to it", "[results][schema]") {
  TempDir dir("schema-ro");
  const std::string path = dir.file("old.db");
  write_version_1_db(path);
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  const std::string before = read_file(path);
  {
    results::Store store(path, true);
    CHECK(store.db().execAndGet("SELECT final_valid_loss FROM run_summary").getDouble() == 2.25);
    CHECK(store.db().execAndGet("SELECT count(*) FROM versus_baseline").getInt() == 3);  // loss, ppl, bpb vs itself
    CHECK_THROWS_WITH(store.db().exec("DELETE FROM runs"), Catch::Contains("readonly"));
  }
  CHECK(user_version(path) == 1);
  CHECK(read_file(path) == before);
}

TEST_CASE("a DB from a newer gatelab is refused with a clear message", "[results][schema]") {
  TempDir dir("schema-new");
  const std::string path = dir.file("new.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(migration_001());
    db.exec("PRAGMA user_version = 99");
  }
  CHECK_THROWS_AS(results::Store(path), UserError);
  CHECK_THROWS_WITH(results::Store(path), Catch::Contains("schema version 99") && Catch::Contains("upgrade gatelab"));
  CHECK_THROWS_WITH(results::Store(path, true), Catch::Contains("schema version 99"));
}

TEST_CASE("results/schema.sql documents exactly the schema the migrations build", "[results][schema]") {
  TempDir dir("schema-doc");
  const std::string documented = read_file(source_dir() + "/results/schema.sql");
  SQLite::Database from_doc(dir.file("doc.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  from_doc.exec(documented);
  results::Store migrated(dir.file("migrated.db"));
  const auto expected = schema_of(migrated.db());
  const auto actual = schema_of(from_doc);
  CHECK(expected.size() >= 12);
  for (const auto& [name, text] : expected) {
    INFO(name);
    REQUIRE(actual.count(name));
    CHECK(actual.at(name) == text);
  }
  CHECK(actual.size() == expected.size());
  // Every column of every table carries a comment.
  std::istringstream lines(documented);
  std::string line, table;
  size_t columns = 0;
  static const std::regex create_table(R"(^CREATE TABLE (\w+) \($)"), column(R"(^  (\w+)\s+(TEXT|INTEGER|REAL).*)");
  std::smatch m;
  while (std::getline(lines, line)) {
    if (std::regex_match(line, m, create_table)) table = m[1];
    else if (line.rfind(")", 0) == 0) table.clear();
    else if (!table.empty() && std::regex_match(line, m, column)) {
      ++columns;
      INFO(table << "." << m[1]);
      CHECK(line.find("--") != std::string::npos);
    }
  }
  CHECK(columns >= 60);
}

TEST_CASE("views are recreated on every open and each file defines the view it is named after", "[results][views]") {
  for (const auto& view : results::embedded_views()) {
    INFO(view.name);
    const std::string stem = view.name.substr(0, view.name.size() - 4);
    CHECK(view.sql.rfind("--", 0) == 0);  // documented at the top
    CHECK(view.sql.find("\nCREATE VIEW " + stem + " AS") != std::string::npos);
  }
  TempDir dir("views");
  const std::string path = dir.file("results.db");
  {
    results::Store store(path);
    // A stale definition, as an older gatelab might have left it.
    store.db().exec("DROP VIEW run_summary; CREATE VIEW run_summary AS SELECT 1 AS stale");
  }
  results::Store store(path);
  SQLite::Statement st(store.db(), "SELECT * FROM run_summary");
  CHECK(st.getColumnName(0) == std::string("run_id"));
  for (const char* name :
       {"run_summary", "final_metrics", "gate_saturation_by_layer", "sink_by_layer", "mqar_best_lr", "versus_baseline"})
    CHECK(
        store.db()
            .execAndGet(std::string("SELECT count(*) FROM sqlite_master WHERE type = 'view' AND name = '") + name + "'")
            .getInt() == 1);
}

TEST_CASE("run_axes reads the axes of linear and softmax and hybrid configs with inapplicable axes NULL",
          "[results][views]") {
  TempDir dir("axes");
  results::Store store(dir.file("results.db"));
  auto add = [&](const std::string& id, const std::string& attn, const std::string& model_extra) {
    results::RunRecord run;
    run.run_id = id;
    run.name = id;
    run.config_json = R"({"model":{"attn":{)" + attn + R"(},"d_model":32,"n_layers":4,"n_heads":2)" + model_extra +
                      R"(},"seed":0,"task":{"name":"mqar","seq_len":64,"mqar":{"num_kv":8}},"train":{"lr":0.01}})";
    run.status = results::RunStatus::Finished;
    store.upsert_run(run);
  };
  const std::string softmax_g3 =
      R"("kind":"softmax","feature_map":"elu","norm":"rmsnorm","gate":"gla","gate_position":"G3",)"
      R"("gate_granularity":"headwise","gate_activation":"silu","gate_sharing":"head_shared",)"
      R"("gate_combine":"additive","gate_input":"dependent","gate_bias_init":"uniform")";
  const std::string linear_refining =
      R"("kind":"linear","feature_map":"relu","norm":"groupnorm","gate":"refining","gate_position":"G1",)"
      R"("gate_granularity":"elementwise","gate_activation":"sigmoid","gate_sharing":"head_specific",)"
      R"("gate_combine":"multiplicative","gate_input":"dependent","gate_bias_init":"extreme")";
  add("a1", softmax_g3, R"(,"hybrid_every":0,"layers":[])");
  add("a2", linear_refining, R"(,"hybrid_every":0,"layers":[])");
  add("a3", linear_refining, R"(,"hybrid_every":2,"layers":[])");
  add("a4", softmax_g3, R"(,"hybrid_every":0,"layers":["linear","softmax"])");
  add("a5", linear_refining, R"(,"hybrid_every":0,"layers":["softmax"])");
  add("a6", linear_refining + R"(,"norm_eps":1e-08)", R"(,"hybrid_every":0,"layers":[])");
  auto axes = [&](const std::string& id) {
    SQLite::Statement st(store.db(),
                         "SELECT attn_kind, coalesce(feature_map, '-'), coalesce(norm, '-'), "
                         "coalesce(gate, '-'), coalesce(gate_position, '-'), "
                         "coalesce(gate_granularity, '-'), coalesce(gate_activation, '-'), variant, "
                         "gated, seq_len, num_kv, lr FROM run_axes WHERE run_id = ?");
    st.bind(1, id);
    REQUIRE(st.executeStep());
    std::string out;
    for (int i = 0; i < 12; ++i) out += (i ? "|" : "") + st.getColumn(i).getString();
    return out;
  };
  CHECK(axes("a1") == "softmax|-|-|-|G3|headwise|silu|softmax G3/headwise/silu/head_shared/additive|1|64|8|0.01");
  CHECK(axes("a2") == "linear|relu|groupnorm|refining|-|-|-|linear relu/groupnorm/refining/bias=extreme|1|64|8|0.01");
  CHECK(axes("a3") ==
        "hybrid|relu|groupnorm|refining|G1|elementwise|sigmoid|"
        "hybrid relu/groupnorm/refining/bias=extreme + softmax G1/elementwise/sigmoid|1|64|8|0.01");
  CHECK(axes("a4") ==
        "hybrid|elu|rmsnorm|gla|G3|headwise|silu|"
        "hybrid elu/rmsnorm/gla + softmax G3/headwise/silu/head_shared/additive|1|64|8|0.01");
  CHECK(axes("a5") == "softmax|-|-|-|G1|elementwise|sigmoid|softmax G1/elementwise/sigmoid|1|64|8|0.01");
  // A readout-norm eps other than the default is part of the label (ReGLA's map depends on it: analysis/studies/regla).
  CHECK(axes("a6") ==
        "linear|relu|groupnorm|refining|-|-|-|linear relu/groupnorm/refining/bias=extreme/eps=1.0e-08|1|64|8|0.01");
}

TEST_CASE("mqar_best_lr averages seeds at each lr and picks the best lr per model and (L x D)", "[results][views]") {
  TempDir dir("best-lr");
  results::Store store(dir.file("results.db"));
  // (id, d_model, lr, seed, best accuracy over its evaluations); accuracies at two steps, the best one counts.
  struct Case {
    std::string id;
    int d_model;
    double lr;
    int seed;
    double early, late;
  };
  const std::vector<Case> cases = {
      {"b1", 64, 1e-3, 0, 0.30, 0.50},  {"b2", 64, 1e-3, 1, 0.70, 0.60},   // lr 1e-3: mean best (0.5 + 0.7) / 2 = 0.6
      {"b3", 64, 1e-2, 0, 0.90, 0.20},  {"b4", 64, 1e-2, 1, 0.10, 0.20},   // lr 1e-2: (0.9 + 0.2) / 2 = 0.55
      {"b5", 128, 1e-3, 0, 0.40, 0.40}, {"b6", 128, 1e-2, 0, 0.10, 0.40},  // a tie at 0.4: the smaller lr wins
  };
  for (const auto& c : cases) {
    results::RunRecord run;
    run.run_id = c.id;
    run.name = c.id;
    run.config_json = fmt::format(
        R"({{"model":{{"attn":{{"kind":"softmax","gate_position":"none"}},"d_model":{},"n_layers":2,"n_heads":2,)"
        R"("hybrid_every":0,"layers":[]}},"seed":{},"task":{{"name":"mqar","seq_len":128,"mqar":{{"num_kv":8}}}},)"
        R"("train":{{"lr":{}}}}})",
        c.d_model, c.seed, c.lr);
    run.status = results::RunStatus::Finished;
    store.upsert_run(run);
    store.write_metrics(c.id, {{100, "valid", "accuracy", c.early}, {200, "valid", "accuracy", c.late}});
  }
  SQLite::Statement st(store.db(),
                       "SELECT d_model, best_lr, best_accuracy, n_lrs, n_seeds, best_run_id, lrs_tried, "
                       "seq_len, num_kv FROM mqar_best_lr ORDER BY d_model");
  REQUIRE(st.executeStep());
  CHECK(st.getColumn(0).getInt() == 64);
  CHECK(st.getColumn(1).getDouble() == Approx(1e-3));
  CHECK(st.getColumn(2).getDouble() == Approx(0.6));
  CHECK(st.getColumn(3).getInt() == 2);
  CHECK(st.getColumn(4).getInt() == 2);
  CHECK(st.getColumn(5).getString() == "b2");
  CHECK(st.getColumn(6).getString() == "0.001 0.01");
  CHECK(st.getColumn(7).getInt() == 128);
  CHECK(st.getColumn(8).getInt() == 8);
  REQUIRE(st.executeStep());
  CHECK(st.getColumn(0).getInt() == 128);
  CHECK(st.getColumn(1).getDouble() == Approx(1e-3));
  CHECK(st.getColumn(2).getDouble() == Approx(0.4));
  CHECK(st.getColumn(5).getString() == "b5");
  CHECK_FALSE(st.executeStep());
}

TEST_CASE("student_t_975 holds the two-sided 95 percent t quantiles", "[results][views][seeds]") {
  TempDir dir("student-t");
  results::Store store(dir.file("results.db"));
  SQLite::Statement st(store.db(), "SELECT df, t FROM student_t_975 ORDER BY df");
  int rows = 0;
  while (st.executeStep()) {
    const int df = st.getColumn(0).getInt();
    // Four decimals in the table: within 1e-4 of Boost.Math's quantile.
    CHECK(st.getColumn(1).getDouble() ==
          Approx(boost::math::quantile(boost::math::students_t(df), 0.975)).margin(1e-4));
    ++rows;
  }
  CHECK(rows == 33);
}

namespace {

// Runs that differ in the seed only (cases A and B, three seeds each, B's seed 2 diverged) and a baseline with the
// same three seeds, in one sweep; final valid loss and accuracy at step 20, an earlier loss at step 10.
struct SeedFixture {
  TempDir dir{"seeds"};
  results::Store store{dir.file("results.db")};
  static std::string config(const std::string& gate_position, int seed) {
    return fmt::format(
        R"({{"model":{{"attn":{{"kind":"softmax","gate_position":"{}","gate_granularity":"headwise",)"
        R"("gate_activation":"sigmoid"}},"d_model":32,"n_layers":2,"n_heads":2,"hybrid_every":0,"layers":[]}},)"
        R"("seed":{},"task":{{"name":"mqar","seq_len":64,"mqar":{{"num_kv":8}}}},)"
        R"("train":{{"lr":0.01,"batch_size":4}}}})",
        gate_position, seed);
  }
  SeedFixture() {
    store.upsert_sweep({"s1", "seeds", "", ""});
    // (run id, sweep name, gate position, seed, loss at step 10, final loss, final accuracy)
    struct Run {
      std::string id, name, position;
      int seed;
      double early, loss, accuracy;
    };
    const double nan = std::nan("");
    const std::vector<Run> runs = {
        {"a0", "gate=G1,seed=0", "G1", 0, 3.0, 1.0, 0.5},     {"a1", "gate=G1,seed=1", "G1", 1, 3.2, 2.0, 0.6},
        {"a2", "gate=G1,seed=2", "G1", 2, 3.4, 4.0, 0.7},     {"b0", "gate=none,seed=0", "none", 0, 3.0, 2.0, 0.4},
        {"b1", "gate=none,seed=1", "none", 1, 3.0, 3.0, 0.5}, {"b2", "gate=none,seed=2", "none", 2, 3.0, nan, 0.6},
    };
    for (const auto& r : runs) {
      results::RunRecord run;
      run.run_id = r.id;
      run.name = r.name;
      run.config_json = config(r.position, r.seed);
      run.status = results::RunStatus::Finished;
      store.upsert_run(run);
      store.write_metrics(
          r.id, {{10, "valid", "loss", r.early}, {20, "valid", "loss", r.loss}, {20, "valid", "accuracy", r.accuracy}});
      store.link_sweep_run("s1", r.id, r.name, r.position == "none");
    }
  }
};

double t975(int df) { return boost::math::quantile(boost::math::students_t(df), 0.975); }

}  // namespace

TEST_CASE("seed_summary collapses the seeds of a case into mean and std and a t interval", "[results][views][seeds]") {
  SeedFixture f;
  SQLite::Statement st(f.store.db(),
                       "SELECT case_id, case_name, n_seeds, n_runs, seeds, mean, std, ci95_low, ci95_high, min_value, "
                       "max_value, variant FROM seed_summary WHERE split = 'valid' AND key = 'loss' ORDER BY case_id");
  REQUIRE(st.executeStep());
  // Case A: losses 1, 2, 4: mean 7/3, sample variance ((4/3)^2 + (1/3)^2 + (5/3)^2) / 2 = 7/3.
  CHECK(st.getColumn(0).getString() == "a0");
  CHECK(st.getColumn(1).getString() == "gate=G1");
  CHECK(st.getColumn(2).getInt() == 3);
  CHECK(st.getColumn(3).getInt() == 3);
  CHECK(st.getColumn(4).getString() == "0 1 2");
  const double mean = 7.0 / 3, sd = std::sqrt(7.0 / 3), half = t975(2) * sd / std::sqrt(3.0);
  CHECK(st.getColumn(5).getDouble() == Approx(mean));
  CHECK(st.getColumn(6).getDouble() == Approx(sd));
  // The table's 4 decimals of t: the interval agrees to 1e-3 relative.
  CHECK(st.getColumn(7).getDouble() == Approx(mean - half).epsilon(1e-3));
  CHECK(st.getColumn(8).getDouble() == Approx(mean + half).epsilon(1e-3));
  CHECK(st.getColumn(9).getDouble() == 1.0);
  CHECK(st.getColumn(10).getDouble() == 4.0);
  CHECK(st.getColumn(11).getString() == "softmax G1/headwise/sigmoid");
  REQUIRE(st.executeStep());
  // Case B: the diverged seed's NaN is stored as NULL: counted as a run, not in the statistics (2 and 3).
  CHECK(st.getColumn(0).getString() == "b0");
  CHECK(st.getColumn(2).getInt() == 2);
  CHECK(st.getColumn(3).getInt() == 3);
  CHECK(st.getColumn(5).getDouble() == Approx(2.5));
  CHECK(st.getColumn(6).getDouble() == Approx(std::sqrt(0.5)));
  CHECK(st.getColumn(8).getDouble() == Approx(2.5 + t975(1) * std::sqrt(0.5) / std::sqrt(2.0)).epsilon(1e-3));
  CHECK_FALSE(st.executeStep());
  // One seed: no spread, no interval.
  results::RunRecord single;
  single.run_id = "c0";
  single.name = "single";
  single.config_json = SeedFixture::config("G2", 0);
  f.store.upsert_run(single);
  f.store.write_metrics("c0", {{20, "valid", "loss", 1.5}});
  SQLite::Statement one(f.store.db(),
                        "SELECT n_seeds, mean, std IS NULL, ci95_low IS NULL, case_name FROM seed_summary "
                        "WHERE case_id = 'c0'");
  REQUIRE(one.executeStep());
  CHECK(one.getColumn(0).getInt() == 1);
  CHECK(one.getColumn(1).getDouble() == 1.5);
  CHECK(one.getColumn(2).getInt() == 1);
  CHECK(one.getColumn(3).getInt() == 1);
  CHECK(one.getColumn(4).getString() == "single");
}

TEST_CASE("metric_by_case gives the mean and band over seeds at every step", "[results][views][seeds]") {
  SeedFixture f;
  SQLite::Statement st(f.store.db(),
                       "SELECT step, n_seeds, mean, std, ci95_low, ci95_high, tokens FROM metric_by_case "
                       "WHERE case_id = 'a0' AND key = 'loss' ORDER BY step");
  REQUIRE(st.executeStep());
  CHECK(st.getColumn(0).getInt() == 10);
  CHECK(st.getColumn(1).getInt() == 3);
  CHECK(st.getColumn(2).getDouble() == Approx(3.2));
  CHECK(st.getColumn(3).getDouble() == Approx(0.2));  // 3.0, 3.2, 3.4
  CHECK(st.getColumn(4).getDouble() == Approx(3.2 - t975(2) * 0.2 / std::sqrt(3.0)).epsilon(1e-4));
  CHECK(st.getColumn(5).getDouble() == Approx(3.2 + t975(2) * 0.2 / std::sqrt(3.0)).epsilon(1e-4));
  CHECK(st.getColumn(6).getInt() == 10 * 4 * 64);  // step x batch_size x seq_len
  REQUIRE(st.executeStep());
  CHECK(st.getColumn(0).getInt() == 20);
  CHECK(st.getColumn(2).getDouble() == Approx(7.0 / 3));
  CHECK_FALSE(st.executeStep());
}

TEST_CASE("versus_baseline_by_case pairs seeds with the baseline's and gives the paired interval",
          "[results][views][seeds]") {
  SeedFixture f;
  SQLite::Statement st(f.store.db(),
                       "SELECT n_seeds, value_mean, baseline_mean, delta_mean, delta_std, delta_ci95_low, "
                       "delta_ci95_high, improved, improved_beyond_noise, is_baseline, case_name FROM "
                       "versus_baseline_by_case WHERE key = ?1 ORDER BY case_id");
  st.bind(1, "accuracy");
  // Accuracy: A minus the baseline is +0.1 at every seed: improved, and beyond the noise (zero spread).
  REQUIRE(st.executeStep());
  CHECK(st.getColumn(0).getInt() == 3);
  CHECK(st.getColumn(1).getDouble() == Approx(0.6));
  CHECK(st.getColumn(2).getDouble() == Approx(0.5));
  CHECK(st.getColumn(3).getDouble() == Approx(0.1));
  CHECK(st.getColumn(4).getDouble() == Approx(0).margin(1e-12));
  CHECK(st.getColumn(7).getInt() == 1);
  CHECK(st.getColumn(8).getInt() == 1);
  CHECK(st.getColumn(9).getInt() == 0);
  CHECK(st.getColumn(10).getString() == "gate=G1");
  REQUIRE(st.executeStep());
  CHECK(st.getColumn(9).getInt() == 1);  // the baseline's own case: delta 0
  CHECK(st.getColumn(3).getDouble() == Approx(0).margin(1e-12));
  CHECK_FALSE(st.executeStep());
  // Loss: seed 2's baseline diverged (NULL), so A pairs at seeds 0 and 1: deltas -1, -1.
  st.reset();
  st.bind(1, "loss");
  REQUIRE(st.executeStep());
  CHECK(st.getColumn(0).getInt() == 2);
  CHECK(st.getColumn(3).getDouble() == Approx(-1.0));
  CHECK(st.getColumn(7).getInt() == 1);
}
