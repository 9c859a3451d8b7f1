// `gatelab run` as a user drives it: resumed runs equal uninterrupted ones, a torn checkpoint falls back to the
// previous one, a NaN loss ends the run as 'diverged' (recorded, not a crash), and bad input exits 2 with a clear
// message and loses no data.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "harness/tasks/catalog.h"
#include "tests/support/test_support.h"
#include "variants/catalog.h"

using namespace gatelab::test;

namespace {

// A tiny MQAR run: ~1 s on 2 cores. Same flags for every run in this file, so runs are comparable.
const std::string kTiny =
    "run --set model.d_model=16 --set model.n_layers=2 --set task.seq_len=32 --set task.mqar.num_kv=4 "
    "--set task.mqar.vocab=64 --set train.batch_size=4 --set train.steps=24 --set train.eval_every=8 "
    "--set train.log_every=4 --set train.eval_batches=2 --set train.warmup_steps=4 --threads 1 --quiet ";

std::string run_args(const TempDir& dir, const std::string& name, const std::string& extra = "") {
  return kTiny + "--db '" + dir.file(name + ".db") + "' --run-dir '" + dir.file(name) + "' " + extra;
}

struct MetricSeries {
  std::vector<std::tuple<int64_t, std::string, std::string, double>> rows;  // step, split, key, value
};

MetricSeries metrics_of(const std::string& db_path, const std::string& keys_sql) {
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  SQLite::Statement q(
      db, "SELECT step, split, key, value FROM metrics WHERE key IN (" + keys_sql + ") ORDER BY step, split, key");
  MetricSeries out;
  while (q.executeStep())
    out.rows.emplace_back(q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                          q.getColumn(3).getDouble());
  return out;
}

int64_t count_rows(const std::string& db_path, const std::string& table) {
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  return db.execAndGet("SELECT count(*) FROM " + table).getInt64();
}

void require_same_metrics(const MetricSeries& a, const MetricSeries& b) {
  REQUIRE(a.rows.size() == b.rows.size());
  REQUIRE(!a.rows.empty());
  for (size_t i = 0; i < a.rows.size(); ++i) {
    INFO("step " << std::get<0>(a.rows[i]) << " " << std::get<1>(a.rows[i]) << " " << std::get<2>(a.rows[i]));
    REQUIRE(std::get<0>(a.rows[i]) == std::get<0>(b.rows[i]));
    REQUIRE(std::get<2>(a.rows[i]) == std::get<2>(b.rows[i]));
    CHECK(std::abs(std::get<3>(a.rows[i]) - std::get<3>(b.rows[i])) <= 1e-6);
  }
}

const std::string kLossKeys = "'loss', 'accuracy', 'grad_norm'";

}  // namespace

TEST_CASE("a run interrupted midway and resumed ends exactly like the uninterrupted run", "[slow]") {
  TempDir dir("resume");
  auto straight = run_gatelab(run_args(dir, "straight"));
  REQUIRE(straight.exit_code == 0);

  auto first = run_gatelab(run_args(dir, "resumed", "--interrupt-after 11"));
  INFO(first.output);
  REQUIRE(first.exit_code == 3);  // interrupted: checkpointed and resumable
  {
    SQLite::Database db(dir.file("resumed.db"), SQLite::OPEN_READONLY);
    CHECK(db.execAndGet("SELECT status FROM runs").getString() == "interrupted");
    CHECK(db.execAndGet("SELECT steps_done FROM runs").getInt64() == 8);  // progress is recorded at log steps
  }
  auto second = run_gatelab(run_args(dir, "resumed"));
  INFO(second.output);
  REQUIRE(second.exit_code == 0);
  require_same_metrics(metrics_of(dir.file("straight.db"), kLossKeys), metrics_of(dir.file("resumed.db"), kLossKeys));
  CHECK(count_rows(dir.file("straight.db"), "metrics") == count_rows(dir.file("resumed.db"), "metrics"));
  CHECK(count_rows(dir.file("straight.db"), "layer_stats") == count_rows(dir.file("resumed.db"), "layer_stats"));
  SQLite::Database db(dir.file("resumed.db"), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT status FROM runs").getString() == "finished");
  CHECK(db.execAndGet("SELECT attempts FROM runs").getInt64() == 2);

  // A finished run is not trained again: no new attempt, no new rows.
  const auto metrics_after = count_rows(dir.file("resumed.db"), "metrics");
  auto third = run_gatelab(run_args(dir, "resumed"));
  CHECK(third.exit_code == 0);
  CHECK(db.execAndGet("SELECT attempts FROM runs").getInt64() == 2);
  CHECK(count_rows(dir.file("resumed.db"), "metrics") == metrics_after);
}

TEST_CASE("each attempt records its device and threads and a resume on other threads warns") {
  TempDir dir("attempts");
  std::string args = run_args(dir, "run");
  args.replace(args.find("--threads 1 "), 12, "");
  REQUIRE(run_gatelab(args + "--threads 1 --interrupt-after 11").exit_code == 3);
  auto resumed = run_gatelab(args + "--threads 2");
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK_THAT(resumed.output, Catch::Contains("warning: resuming at step 11 on cpu with 2 threads, but attempt 1 ran on "
                                             "cpu with 1 threads"));
  SQLite::Database db(dir.file("run.db"), SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT attempt, start_step, device, threads FROM attempts ORDER BY attempt");
  std::vector<std::string> rows;
  while (q.executeStep())
    rows.push_back(fmt::format("{} {} {} {}", q.getColumn(0).getInt(), q.getColumn(1).getInt(),
                               q.getColumn(2).getString(), q.getColumn(3).getInt()));
  CHECK(rows == std::vector<std::string>{"1 0 cpu 1", "2 11 cpu 2"});
  // The same threads again: no warning.
  REQUIRE(run_gatelab(args + "--threads 2 --no-resume --interrupt-after 11").exit_code == 3);
  auto same = run_gatelab(args + "--threads 2");
  CHECK_THAT(same.output, !Catch::Contains("warning: resuming"));
}

TEST_CASE("runs with dropout and learned positions and BaseConv layers resume exactly", "[slow]") {
  // Dropout draws from torch's generator, seeded per step from the run's seed: an interrupted run must redraw the
  // same masks after its resume.
  const std::vector<std::string> recipes = {
      "--set 'model.layers=[baseconv, linear]' --set model.attn.short_conv=4 --set model.embed_dropout=0.2 "
      "--set model.pos_embedding=learned",
      "--set 'model.layers=[softmax, baseconv_long]' --set model.attn.dropout=0.2 --set model.attn.sdpa=manual"};
  for (size_t i = 0; i < recipes.size(); ++i) {
    DYNAMIC_SECTION("recipe " << i) {
      TempDir dir("resume-mixers");
      REQUIRE(run_gatelab(run_args(dir, "straight", recipes[i])).exit_code == 0);
      REQUIRE(run_gatelab(run_args(dir, "resumed", recipes[i] + " --interrupt-after 11")).exit_code == 3);
      auto second = run_gatelab(run_args(dir, "resumed", recipes[i]));
      INFO(second.output);
      REQUIRE(second.exit_code == 0);
      require_same_metrics(metrics_of(dir.file("straight.db"), kLossKeys),
                           metrics_of(dir.file("resumed.db"), kLossKeys));
    }
  }
}

TEST_CASE("a torn newest checkpoint falls back to the previous one and the run still ends exactly", "[slow]") {
  TempDir dir("torn");
  REQUIRE(run_gatelab(run_args(dir, "straight")).exit_code == 0);
  // checkpoint_every 5: checkpoints at 5 and 10, then the interrupt at 12 writes the newest.
  auto first = run_gatelab(run_args(dir, "torn", "--set train.checkpoint_every=5 --interrupt-after 12"));
  REQUIRE(first.exit_code == 3);
  // The straight run used checkpoint_every's default: that key changes the config hash, so compare against a
  // straight run with the same key.
  REQUIRE(run_gatelab(run_args(dir, "straight5", "--set train.checkpoint_every=5")).exit_code == 0);
  const auto newest = std::filesystem::path(dir.file("torn")) / "checkpoint.pt";
  REQUIRE(std::filesystem::exists(newest));
  std::filesystem::resize_file(newest, std::filesystem::file_size(newest) / 2);  // torn write
  auto second = run_gatelab(run_args(dir, "torn", "--set train.checkpoint_every=5"));
  INFO(second.output);
  REQUIRE(second.exit_code == 0);
  require_same_metrics(metrics_of(dir.file("straight5.db"), kLossKeys), metrics_of(dir.file("torn.db"), kLossKeys));
}

TEST_CASE("a NaN loss ends the run as diverged: recorded with its reason and exit code 0") {
  TempDir dir("nan");
  auto result = run_gatelab(run_args(dir, "nan", "--inject-nan-at 6"));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  SQLite::Database db(dir.file("nan.db"), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT status FROM runs").getString() == "diverged");
  CHECK(db.execAndGet("SELECT status_reason FROM runs").getString().find("step 6") != std::string::npos);
  // The diverged loss is stored as NULL (not finite), at the step the reason names.
  CHECK(db.execAndGet("SELECT count(*) FROM metrics WHERE split = 'train' AND key = 'loss' AND value IS NULL")
            .getInt64() == 1);
  CHECK(db.execAndGet("SELECT step FROM metrics WHERE split = 'train' AND key = 'loss' AND value IS NULL").getInt64() ==
        6);
}

TEST_CASE("an absurd learning rate ends the run as diverged at the step its loss passed ten times chance") {
  TempDir dir("absurd-lr");
  auto result = run_gatelab(run_args(dir, "lr", "--set train.lr=10 --set train.warmup_steps=0 --set train.log_every=1"));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  SQLite::Database db(dir.file("lr.db"), SQLite::OPEN_READONLY);
  REQUIRE(db.execAndGet("SELECT status FROM runs").getString() == "diverged");
  const std::string reason = db.execAndGet("SELECT status_reason FROM runs").getString();
  CHECK_THAT(reason, Catch::Contains("far worse than guessing"));
  // The step the reason names holds the loss that crossed 10 ln(64) (finite, so stored), and it is the first.
  const double limit = 10 * std::log(64.0);
  const int64_t first_above =
      db.execAndGet("SELECT min(step) FROM metrics WHERE split = 'train' AND key = 'loss' AND value > " +
                    std::to_string(limit))
          .getInt64();
  CHECK_THAT(reason, Catch::Contains("at step " + std::to_string(first_above) + " "));
  CHECK(db.execAndGet("SELECT max(step) FROM metrics WHERE split = 'train' AND key = 'loss'").getInt64() ==
        first_above);
}

TEST_CASE("gradient accumulation over micro-batches trains the model the whole batch trains", "[slow]") {
  TempDir dir("micro-batches");
  REQUIRE(run_gatelab(run_args(dir, "whole")).exit_code == 0);
  for (const std::string n : {"2", "4"}) {
    auto split = run_gatelab(run_args(dir, "split" + n, "--micro-batches " + n));
    INFO(split.output);
    REQUIRE(split.exit_code == 0);
    // The same run (micro-batching is not part of its identity), recorded with how it was executed.
    SQLite::Database db(dir.file("split" + n + ".db"), SQLite::OPEN_READONLY);
    CHECK_THAT(db.execAndGet("SELECT device FROM runs").getString(), Catch::Contains(n + " micro-batches per step"));
    const auto a = metrics_of(dir.file("whole.db"), kLossKeys), b = metrics_of(dir.file("split" + n + ".db"), kLossKeys);
    REQUIRE(a.rows.size() == b.rows.size());
    for (size_t i = 0; i < a.rows.size(); ++i) {
      INFO("step " << std::get<0>(a.rows[i]) << " " << std::get<2>(a.rows[i]));
      // Only the order of float sums differs (per slice, then across slices): 24 fp32 steps stay within 1e-4.
      CHECK(std::abs(std::get<3>(a.rows[i]) - std::get<3>(b.rows[i])) <= 1e-4 * (1 + std::abs(std::get<3>(a.rows[i]))));
    }
  }
  CHECK(run_gatelab(run_args(dir, "same-id", "--print-config")).output ==
        run_gatelab(run_args(dir, "same-id", "--print-config --micro-batches 2")).output);
  auto uneven = run_gatelab(run_args(dir, "uneven", "--micro-batches 3"));
  CHECK(uneven.exit_code == 2);
  CHECK_THAT(uneven.output, Catch::Contains("divide train.batch_size = 4"));
  CHECK_FALSE(std::filesystem::exists(dir.file("uneven.db")));
}

TEST_CASE("bad input exits 2 with a message naming the valid choices and loses no data", "[slow]") {
  TempDir dir("bad");
  REQUIRE(run_gatelab(run_args(dir, "good")).exit_code == 0);
  const auto metrics_before = count_rows(dir.file("good.db"), "metrics");
  const auto runs_before = count_rows(dir.file("good.db"), "runs");
  struct BadCase {
    std::string args;
    std::vector<std::string> expected;
  };
  // Unknown names are ones no component will ever have (a '-' never appears in a registered name), and the
  // message must list every registered choice.
  const std::vector<BadCase> cases = {
      {"--set model.attn.gate=gl", {"did you mean 'gla'"}},
      {"--set model.attn.feature_map=no-such-map",
       gatelab::variants::names_of(gatelab::variants::feature_map_catalog())},
      {"--set model.atn.gate=gla", {"model.attn.gate"}},
      {"--set model.d_model=abc", {"model.d_model"}},
      {"--set task.name=no-such-task", gatelab::variants::names_of(gatelab::tasks::task_catalog())},
      {"--set train.lr=-1", {"train.lr"}},
      {"--device tpu", {"cuda"}},
      {"--config '" + dir.file("missing.yaml") + "'", {"missing.yaml"}},
      {"--config '" + dir.path() + "'", {"is a directory"}},
      {"--config /etc/passwd", {"/etc/passwd", "must hold a mapping of config keys"}},
      {"--config '" + dir.file("latin1.yaml") + "'", {"latin1.yaml:2:11:", "not valid UTF-8 (byte 0xe9)"}},
  };
  write_file(dir.file("latin1.yaml"), "train:\n  steps: 3\xe9\n");
  // A plain loop, not sections: Catch2 re-runs the test case from the top for every section, which would train
  // the good run again each time.
  for (const auto& c : cases) {
    auto result = run_gatelab(run_args(dir, "good", c.args));
    INFO(c.args << "\n" << result.output);
    CHECK(result.exit_code == 2);
    for (const auto& expected : c.expected) CHECK(result.output.find(expected) != std::string::npos);
    CHECK(count_rows(dir.file("good.db"), "metrics") == metrics_before);
    CHECK(count_rows(dir.file("good.db"), "runs") == runs_before);
  }
}

TEST_CASE("an empty or unwritable --db exits 2 before training", "[slow]") {
  TempDir dir("bad-db");
  for (const std::string& db : {std::string(""), dir.path(), dir.file("no/such/folder/x.db")}) {
    auto result = run_gatelab(kTiny + "--db '" + db + "' --run-dir '" + dir.file("run") + "'");
    INFO(db << "\n" << result.output);
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.output, Catch::Contains("--db needs a file path") || Catch::Contains("is a directory") ||
                                  Catch::Contains("does not exist"));
    CHECK_FALSE(std::filesystem::exists(dir.file("run")));  // nothing was trained
  }
}

TEST_CASE("a YAML config file and --set overrides resolve to the same run as the equivalent flags") {
  TempDir dir("yaml");
  write_file(dir.file("run.yaml"),
             "model:\n  d_model: 16\n  attn:\n    gate: refining\n    feature_map: regla\ntrain:\n  steps: 7\n");
  auto from_file = run_gatelab("run --config '" + dir.file("run.yaml") + "' --print-config");
  auto from_flags = run_gatelab(
      "run --set model.d_model=16 --set model.attn.gate=refining --set model.attn.feature_map=regla "
      "--set train.steps=7 --print-config");
  REQUIRE(from_file.exit_code == 0);
  CHECK(from_file.output == from_flags.output);
  CHECK(from_file.output.find("config hash: ") != std::string::npos);
  // stdout alone is pure JSON (the hash goes to stderr), so it pipes into jq or a file.
  auto stdout_only = run_shell("('" GATELAB_BIN "' run --set train.steps=7 --print-config 2>/dev/null)");
  REQUIRE(stdout_only.exit_code == 0);
  CHECK(stdout_only.output.find("config hash") == std::string::npos);
  CHECK(nlohmann::json::parse(stdout_only.output)["train"]["steps"] == 7);
}

TEST_CASE("gatelab run --config reports every bad key with FILE:LINE:COLUMN") {
  TempDir dir("config-file");
  write_file(dir.file("run.yaml"), "model:\n  d_modle: 16\n  attn:\n    gate: glaa\ntrain:\n  steps: -3\n");
  auto bad = run_gatelab("run --config '" + dir.file("run.yaml") + "' --print-config");
  INFO(bad.output);
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.output, Catch::Contains(dir.file("run.yaml") +
                                         ":2:3: unknown config key 'model.d_modle'; did you mean 'model.d_model'?"));
  CHECK_THAT(bad.output, Catch::Contains(dir.file("run.yaml") + ":4:11: config key 'model.attn.gate': unknown value"));
  CHECK_THAT(bad.output, Catch::Contains(dir.file("run.yaml") + ":6:10: config key 'train.steps'"));
  CHECK_THAT(bad.output, Catch::Contains("3 problems"));
  // An inconsistent combination points at the key it names.
  write_file(dir.file("heads.yaml"), "model:\n  d_model: 16\n  n_heads: 3\n");
  auto heads = run_gatelab("run --config '" + dir.file("heads.yaml") + "' --print-config");
  CHECK(heads.exit_code == 2);
  CHECK_THAT(heads.output, Catch::Contains(dir.file("heads.yaml") + ":3:3: config key 'model.n_heads'"));
}

TEST_CASE("a misspelled or abbreviated flag is an error with did you mean and never a guess") {
  auto misspelled = run_gatelab("run --devcie cpu --print-config");
  CHECK(misspelled.exit_code == 2);
  CHECK_THAT(misspelled.output, Catch::Contains("unknown option '--devcie'; did you mean '--device'?"));
  auto prefix = run_gatelab("run --dev cpu --print-config");  // Boost would guess --device
  CHECK(prefix.exit_code == 2);
  CHECK_THAT(prefix.output, Catch::Contains("unknown option '--dev'"));
  auto sweep_flag = run_gatelab("sweep run x.yaml --backnd local");
  CHECK(sweep_flag.exit_code == 2);
  CHECK_THAT(sweep_flag.output, Catch::Contains("did you mean '--backend'?"));
}

TEST_CASE("gatelab --version prints the version and commit and library versions") {
  auto version = run_gatelab("--version");
  INFO(version.output);
  CHECK(version.exit_code == 0);
  CHECK_THAT(version.output, Catch::StartsWith("gatelab "));
  CHECK_THAT(version.output, Catch::Contains("commit "));
  CHECK_THAT(version.output, Catch::Contains("torch "));
  CHECK_THAT(version.output, Catch::Contains("sqlite "));
}

TEST_CASE("every registered subcommand answers --help") {
  auto usage = run_gatelab("--help");
  REQUIRE(usage.exit_code == 0);
  auto unknown = run_gatelab("rnu");
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.output.find("did you mean 'run'") != std::string::npos);
}
