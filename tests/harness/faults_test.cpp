// `gatelab run` under faults, as a user meets them: a checkpoint corrupted in any way is detected before use and
// the run falls back (previous checkpoint or step 0) to exactly the uninterrupted result; a file size limit (a
// full disk) ends the run as a clean failure naming the file, and lifting it resumes to the exact result; the time
// limit stops a run with a checkpoint, resumable; an attempt counts from the moment a process claims its run.
#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <random>
#include <thread>

#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using namespace gatelab::test;

namespace {

// A tiny MQAR run (~1 s on 2 cores) that checkpoints every 5 steps; threads pinned to 1 so interrupted and
// uninterrupted runs do the same float arithmetic.
const std::string kTiny =
    "run --set model.d_model=16 --set model.n_layers=2 --set task.seq_len=32 --set task.mqar.num_kv=4 "
    "--set task.mqar.vocab=64 --set train.batch_size=4 --set train.steps=24 --set train.eval_every=8 "
    "--set train.log_every=4 --set train.eval_batches=2 --set train.warmup_steps=4 --set train.checkpoint_every=5 "
    "--threads 1 --quiet ";

std::string run_args(const TempDir& dir, const std::string& name, const std::string& extra = "") {
  return kTiny + "--db '" + dir.file(name + ".db") + "' --run-dir '" + dir.file(name) + "' " + extra;
}

// Every metric row (step, split, key, value) of a DB, in order; NULL as NaN.
std::vector<std::tuple<int64_t, std::string, std::string, double>> all_metrics(const std::string& db_path) {
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT step, split, key, coalesce(value, 'nan') FROM metrics "
                          "WHERE key != 'tokens_per_s' ORDER BY step, split, key");
  std::vector<std::tuple<int64_t, std::string, std::string, double>> out;
  while (q.executeStep())
    out.emplace_back(q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                     q.getColumn(3).getDouble());
  return out;
}

// The same rows and values within 1e-6 (throughput excluded: it is a measurement of the machine).
void require_same_metrics(const std::string& expected_db, const std::string& actual_db) {
  const auto a = all_metrics(expected_db), b = all_metrics(actual_db);
  REQUIRE(!a.empty());
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("step " << std::get<0>(a[i]) << " " << std::get<1>(a[i]) << " " << std::get<2>(a[i]));
    REQUIRE(std::get<0>(a[i]) == std::get<0>(b[i]));
    REQUIRE(std::get<2>(a[i]) == std::get<2>(b[i]));
    CHECK(std::abs(std::get<3>(a[i]) - std::get<3>(b[i])) <= 1e-6);
  }
}

std::string query_one(const std::string& db_path, const std::string& sql) {
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  return db.execAndGet(sql).getString();
}

void copy_run(const TempDir& dir, const std::string& from, const std::string& to) {
  fs::copy(dir.file(from), dir.file(to), fs::copy_options::recursive);
  fs::copy_file(dir.file(from + ".db"), dir.file(to + ".db"));
}

void flip_bit(const std::string& path, size_t offset, int bit) {
  std::string bytes = read_file(path);
  REQUIRE(offset < bytes.size());
  bytes[offset] = static_cast<char>(bytes[offset] ^ (1 << bit));
  write_file(path, bytes);
}

void overwrite_block(const std::string& path, size_t offset, size_t size, uint32_t seed) {
  std::string bytes = read_file(path);
  std::mt19937 random(seed);
  for (size_t i = offset; i < std::min(bytes.size(), offset + size); ++i) bytes[i] = static_cast<char>(random());
  write_file(path, bytes);
}

size_t lines_containing(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("a corrupt checkpoint is detected in one line and the run falls back to the exact result", "[fault]") {
  TempDir dir("corrupt");
  REQUIRE(run_gatelab(run_args(dir, "straight")).exit_code == 0);
  // Checkpoints at 5 and 10, then the interrupt at 12 writes the newest: checkpoint.pt at 12, .prev.pt at 10.
  REQUIRE(run_gatelab(run_args(dir, "base", "--interrupt-after 12")).exit_code == 3);
  // Another run (another seed) for "another run's checkpoint in its place".
  REQUIRE(run_gatelab(run_args(dir, "other", "--set seed=7")).exit_code == 0);
  const std::string newest = "/checkpoint.pt";
  const size_t size = fs::file_size(dir.file("base") + newest);
  struct Corruption {
    std::string name;
    std::function<void(const std::string& run_dir)> apply;
    std::string expected_fallback;
  };
  const std::vector<Corruption> corruptions = {
      {"truncated to half", [&](const std::string& d) { fs::resize_file(d + newest, size / 2); }, "step 10"},
      {"truncated inside the header", [&](const std::string& d) { fs::resize_file(d + newest, 37); }, "step 10"},
      {"zero length", [&](const std::string& d) { fs::resize_file(d + newest, 0); }, "step 10"},
      {"a bit flipped in the header's step", [&](const std::string& d) { flip_bit(d + newest, 26, 0); }, "step 10"},
      {"a bit flipped at 1/4", [&](const std::string& d) { flip_bit(d + newest, size / 4, 3); }, "step 10"},
      {"a bit flipped at 3/4", [&](const std::string& d) { flip_bit(d + newest, size * 3 / 4, 6); }, "step 10"},
      {"a bit flipped in the last byte", [&](const std::string& d) { flip_bit(d + newest, size - 1, 1); }, "step 10"},
      {"4 KB of random bytes mid-file", [&](const std::string& d) { overwrite_block(d + newest, size / 2, 4096, 1); },
       "step 10"},
      {"another run's checkpoint",
       [&](const std::string& d) {
         fs::copy_file(dir.file("other") + newest, d + newest, fs::copy_options::overwrite_existing);
       },
       "step 10"},
      {"a directory in its place",
       [&](const std::string& d) {
         fs::remove(d + newest);
         fs::create_directories(d + newest + "/inner");
       },
       "step 10"},
      {"both checkpoints corrupt",
       [&](const std::string& d) {
         flip_bit(d + newest, size / 2, 2);
         overwrite_block(d + "/checkpoint.prev.pt", 100, 64, 2);
       },
       "restarted from step 0"},
  };
  for (size_t i = 0; i < corruptions.size(); ++i) {
    const auto& c = corruptions[i];
    const std::string name = "case" + std::to_string(i);
    copy_run(dir, "base", name);
    c.apply(dir.file(name));
    auto resumed = run_gatelab(run_args(dir, name));
    INFO(c.name << "\n" << resumed.output);
    CHECK(resumed.exit_code == 0);
    // One line per rejected file, no LibTorch stack trace.
    CHECK(lines_containing(resumed.output, "rejected:") == (c.name == "both checkpoints corrupt" ? 2u : 1u));
    CHECK(lines_containing(resumed.output, "gatelab: warning:") == 1u);
    CHECK(resumed.output.find("frame #") == std::string::npos);
    CHECK(resumed.output.find(c.expected_fallback) != std::string::npos);
    CHECK(query_one(dir.file(name + ".db"), "SELECT status FROM runs") == "finished");
    CHECK_THAT(query_one(dir.file(name + ".db"), "SELECT status_reason FROM runs"), Catch::Contains("rejected"));
    CHECK(fs::exists(dir.file(name) + newest + ".rejected"));
    require_same_metrics(dir.file("straight.db"), dir.file(name + ".db"));
  }
  // A folder holding only another run's checkpoints belongs to that run: refused, nothing touched.
  copy_run(dir, "other", "foreign");
  const std::string before = read_file(dir.file("foreign") + newest);
  auto refused = run_gatelab(run_args(dir, "foreign"));
  INFO(refused.output);
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.output, Catch::Contains("belongs to another run"));
  CHECK(read_file(dir.file("foreign") + newest) == before);
}

TEST_CASE("a full disk ends the run as a clean failure naming the file and lifting it resumes exactly", "[fault]") {
  TempDir dir("disk-full");
  // RLIMIT_FSIZE caps every file the run writes (DB, WAL, checkpoint, log). With the tiny model the DB's WAL hits
  // the limit first, at different writes (DB creation, migrations, the first metrics, later pages); with d_model 64
  // the 1.4 MB checkpoint is the first write to fail.
  const std::string wide = "--set model.d_model=64 ";
  struct Level {
    std::string size_args;
    long limit;
  };
  const std::vector<Level> levels = {{"", 2048},       {"", 16384},      {"", 150000},      {"", 209000},
                                     {"", 400000},     {wide, 600000},   {wide, 1000000},   {wide, 1400000}};
  REQUIRE(run_gatelab(run_args(dir, "straight")).exit_code == 0);
  REQUIRE(run_gatelab(run_args(dir, "straight-wide", wide)).exit_code == 0);
  int checkpoint_failures = 0;
  for (const auto& level : levels) {
    const std::string name = "limit" + std::to_string(level.limit);
    auto limited = run_shell("prlimit --fsize=" + std::to_string(level.limit) + " '" + gatelab_binary() + "' " +
                             run_args(dir, name, level.size_args));
    INFO("limit " << level.limit << " bytes " << level.size_args << "\n" << limited.output);
    // A clean failure: exit 1, one line naming the file, no abort (134), no backtrace.
    CHECK(limited.exit_code == 1);
    CHECK(lines_containing(limited.output, "gatelab: failed:") == 1u);
    CHECK(lines_containing(limited.output, "\n") == 1u);
    CHECK_THAT(limited.output, Catch::Contains(dir.path()));
    if (limited.output.find("cannot write checkpoint") != std::string::npos) ++checkpoint_failures;
    CHECK_FALSE(fs::exists(dir.file(name) + "/checkpoint.pt.tmp"));
    // The DB is intact, and a run that has a row is not left 'running' when its failure could be recorded.
    CHECK(query_one(dir.file(name + ".db"), "PRAGMA integrity_check") == "ok");
    auto lifted = run_gatelab(run_args(dir, name, level.size_args));
    INFO(lifted.output);
    REQUIRE(lifted.exit_code == 0);
    CHECK(query_one(dir.file(name + ".db"), "SELECT status FROM runs") == "finished");
    CHECK(query_one(dir.file(name + ".db"), "PRAGMA integrity_check") == "ok");
    require_same_metrics(dir.file(level.size_args.empty() ? "straight.db" : "straight-wide.db"),
                         dir.file(name + ".db"));
  }
  CHECK(checkpoint_failures == 3);
}

TEST_CASE("a run at its --max-minutes limit stops with a checkpoint as stopped and resumes exactly", "[fault]") {
  TempDir dir("time-limit");
  const std::string longer = "--set train.steps=160 --set train.eval_every=40 ";
  REQUIRE(run_gatelab(run_args(dir, "straight", longer)).exit_code == 0);
  auto stopped = run_gatelab(run_args(dir, "limited", longer + "--max-minutes 0.01"));  // 0.6 s of training
  INFO(stopped.output);
  REQUIRE(stopped.exit_code == 4);
  CHECK(query_one(dir.file("limited.db"), "SELECT status FROM runs") == "stopped");
  CHECK_THAT(query_one(dir.file("limited.db"), "SELECT status_reason FROM runs"), Catch::Contains("time limit"));
  CHECK(fs::exists(dir.file("limited") + "/checkpoint.pt"));
  CHECK(std::stoll(query_one(dir.file("limited.db"), "SELECT steps_done FROM runs")) < 160);
  auto resumed = run_gatelab(run_args(dir, "limited", longer));
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK(query_one(dir.file("limited.db"), "SELECT status FROM runs") == "finished");
  require_same_metrics(dir.file("straight.db"), dir.file("limited.db"));
  CHECK(run_gatelab(run_args(dir, "bad", "--max-minutes -1")).exit_code == 2);
}

TEST_CASE("an attempt counts from the moment a process claims its run and also when it dies during setup") {
  TempDir dir("attempts");
  // Setup fails (the corpus is missing): the run was tried once and says why.
  auto missing = run_gatelab(kTiny + "--set task.name=bytes --data-dir '" + dir.file("no-data") + "' --db '" +
                             dir.file("a.db") + "' --run-dir '" + dir.file("a") + "'");
  INFO(missing.output);
  CHECK(missing.exit_code != 0);
  CHECK(query_one(dir.file("a.db"), "SELECT attempts FROM runs") == "1");
  CHECK(query_one(dir.file("a.db"), "SELECT status FROM runs") == "failed");
  // SIGKILL as soon as the run's row exists: the attempt is counted, and the next one counts again.
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", ("exec '" + gatelab_binary() + "' " + run_args(dir, "k") + " >/dev/null 2>&1").c_str(),
          nullptr);
    _exit(127);
  }
  bool claimed = false;
  for (int i = 0; i < 2000 && !claimed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    try {
      claimed = fs::exists(dir.file("k.db")) && query_one(dir.file("k.db"), "SELECT count(*) FROM runs") == "1";
    } catch (const std::exception&) {
      // the DB is being created: try again
    }
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(claimed);
  CHECK(query_one(dir.file("k.db"), "SELECT attempts FROM runs") == "1");
  REQUIRE(run_gatelab(run_args(dir, "k")).exit_code == 0);
  CHECK(query_one(dir.file("k.db"), "SELECT attempts FROM runs") == "2");
}
