// Shard merging (results::Store::merge_shard): what a cluster task wrote to its own DB folds into the results DB
// once, however often it is merged; a killed writer's shard merges what it committed; schema versions are
// migrated or refused; a shard cannot undo a cancel or a result.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "harness/util/errors.h"
#include "results/store.h"
#include "tests/support/test_support.h"

using namespace gatelab;
using namespace gatelab::test;

namespace {

const std::string kRun = "00000000000000b1";

// A shard as a task's `gatelab run` leaves it: the run's row with `status` and a loss at steps 1..steps.
void write_shard(const std::string& path, results::RunStatus status, int steps, int64_t restart_count = 0) {
  results::Store shard(path);
  shard.claim_run(kRun, "run-b1", "{}", 0);
  results::RunRecord record;
  record.run_id = kRun;
  record.name = "run-b1";
  record.config_json = "{}";
  record.status = status;
  record.restart_count = restart_count;
  shard.upsert_run(record);
  std::vector<results::MetricRow> rows;
  for (int step = 1; step <= steps; ++step) rows.push_back({step, "train", "loss", 1.0 / step});
  shard.write_metrics(kRun, rows);
  shard.set_progress(kRun, steps, steps * 64, 100.0);
}

int64_t count(results::Store& store, const std::string& sql) { return store.db().execAndGet(sql).getInt64(); }

}  // namespace

TEST_CASE("merging a shard twice adds its rows once", "[results][merge]") {
  TempDir dir("merge");
  write_shard(dir.file("shard.db"), results::RunStatus::Finished, 10, 1);
  results::Store main(dir.file("main.db"));
  main.upsert_sweep({"s1", "sweep", "grid.yaml", ""});
  main.add_sweep_members("s1", {{kRun, "run-b1", "{}", 0, false}});

  const auto first = main.merge_shard(dir.file("shard.db"));
  CHECK(first.runs == 1);
  CHECK(first.rows_added.at("metrics") == 10);
  CHECK(first.rows_added.at("runs") == 0);  // the sweep had registered it as queued
  CHECK(count(main, "SELECT COUNT(*) FROM metrics WHERE run_id = '" + kRun + "'") == 10);
  CHECK(count(main, "SELECT restart_count FROM runs") == 1);
  CHECK(count(main, "SELECT steps_done FROM runs") == 10);
  CHECK(main.run_status(kRun) == results::RunStatus::Finished);

  const auto second = main.merge_shard(dir.file("shard.db"));
  CHECK(second.total_added() == 0);
  CHECK(count(main, "SELECT COUNT(*) FROM metrics") == 10);
}

TEST_CASE("a shard whose writer was killed mid-transaction merges up to its last committed step", "[results][merge]") {
  TempDir dir("merge");
  const std::string shard_path = dir.file("shard.db");
  write_shard(shard_path, results::RunStatus::Running, 5);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {  // a writer killed between its inserts and its COMMIT
    SQLite::Database db(shard_path, SQLite::OPEN_READWRITE);
    db.exec("BEGIN IMMEDIATE");
    for (int step = 6; step <= 500; ++step)
      db.exec("INSERT INTO metrics VALUES ('" + kRun + "', " + std::to_string(step) + ", 'train', 'loss', 0.5)");
    kill(getpid(), SIGKILL);
  }
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(WIFSIGNALED(status));

  results::Store main(dir.file("main.db"));
  const auto counts = main.merge_shard(shard_path);
  CHECK(counts.rows_added.at("runs") == 1);
  CHECK(counts.rows_added.at("metrics") == 5);
  CHECK(count(main, "SELECT MAX(step) FROM metrics") == 5);
}

TEST_CASE("a shard of an older schema is migrated and one of a newer schema is refused by name", "[results][merge]") {
  TempDir dir("merge");
  {
    SQLite::Database old(dir.file("old.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    old.exec(read_file(source_dir() + "/results/migrations/001_initial.sql"));
    old.exec("PRAGMA user_version = 1");
    old.exec("INSERT INTO runs (run_id, name, config_json, config_hash, seed, status) VALUES ('" + kRun +
             "', 'run-b1', '{}', '" + kRun + "', 0, 'finished')");
    old.exec("INSERT INTO metrics VALUES ('" + kRun + "', 1, 'valid', 'loss', 2.0)");
  }
  results::Store main(dir.file("main.db"));
  CHECK(main.merge_shard(dir.file("old.db")).rows_added.at("metrics") == 1);
  CHECK(count(main, "SELECT restart_count FROM runs") == 0);

  {
    SQLite::Database newer(dir.file("newer.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    newer.exec("PRAGMA user_version = 99");
  }
  CHECK_THROWS_AS(main.merge_shard(dir.file("newer.db")), UserError);
  CHECK_THROWS_WITH(main.merge_shard(dir.file("newer.db")),
                    Catch::Matchers::Contains("newer.db") && Catch::Matchers::Contains("upgrade gatelab"));
}

TEST_CASE("a shard does not undo a cancel unless it finished the run", "[results][merge]") {
  TempDir dir("merge");
  write_shard(dir.file("interrupted.db"), results::RunStatus::Interrupted, 4);
  write_shard(dir.file("finished.db"), results::RunStatus::Finished, 8);
  results::Store main(dir.file("main.db"));
  main.upsert_sweep({"s1", "sweep", "grid.yaml", ""});
  main.add_sweep_members("s1", {{kRun, "run-b1", "{}", 0, false}});
  main.set_status(kRun, results::RunStatus::Cancelled, "gatelab sweep cancel");

  main.merge_shard(dir.file("interrupted.db"));
  CHECK(main.run_status(kRun) == results::RunStatus::Cancelled);
  main.merge_shard(dir.file("finished.db"));
  CHECK(main.run_status(kRun) == results::RunStatus::Finished);
  main.merge_shard(dir.file("interrupted.db"));  // an older shard merged again: the result stays
  CHECK(main.run_status(kRun) == results::RunStatus::Finished);
  CHECK(count(main, "SELECT steps_done FROM runs") == 8);
}

TEST_CASE("the attempts of every launch's shard are kept and numbered on once however often merged",
          "[results][merge]") {
  TempDir dir("merge");
  // Two launches of one run: each task writes a fresh shard, so both number their attempt 1 there.
  write_shard(dir.file("launch-1.db"), results::RunStatus::Interrupted, 4);
  write_shard(dir.file("launch-2.db"), results::RunStatus::Finished, 8);
  {
    results::Store first(dir.file("launch-1.db"));
    first.record_attempt(kRun, {0, 0, "cuda:0", 2, "aaaa"});
    results::Store second(dir.file("launch-2.db"));
    second.record_attempt(kRun, {0, 4, "cuda:1", 2, "bbbb"});
  }
  results::Store main(dir.file("main.db"));
  CHECK(main.merge_shard(dir.file("launch-1.db")).rows_added.at("attempts") == 1);
  CHECK(main.merge_shard(dir.file("launch-2.db")).rows_added.at("attempts") == 1);
  CHECK(main.merge_shard(dir.file("launch-1.db")).total_added() == 0);
  CHECK(main.merge_shard(dir.file("launch-2.db")).total_added() == 0);

  const auto attempts = main.attempts_of(kRun);
  REQUIRE(attempts.size() == 2);
  CHECK(attempts[0].attempt == 1);
  CHECK(attempts[0].start_step == 0);
  CHECK(attempts[0].device == "cuda:0");
  CHECK(attempts[0].git_commit == "aaaa");
  CHECK(attempts[1].attempt == 2);
  CHECK(attempts[1].start_step == 4);
  CHECK(attempts[1].device == "cuda:1");
  CHECK(count(main, "SELECT attempts FROM runs") == 2);
}
