// The peer benchmark of issue 18 (scripts/peer_bench.py, `gatelab bench --list-models / --import-peers`, view
// bench_versus_peers): the PyTorch peers are the same models as gatelab's (equal parameter counts for every
// reference model), their rows land in the benches table, the view pairs them with gatelab's rows, and a bad
// peer file exits 2 and writes nothing. Needs Debian's python3-torch (scripts/setup.sh installs it for the tests).
#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "results/store.h"
#include "tests/support/test_support.h"

using namespace gatelab::test;

namespace {

std::string peer_script() { return source_dir() + "/scripts/peer_bench.py"; }

// A Python that imports torch: Debian's (/usr/bin/python3 with python3-torch) ahead of a python3 earlier on PATH
// (pyenv's, say) that lacks it. None is a failure naming the package, not a skip.
std::string python_with_torch() {
  for (const std::string python : {"/usr/bin/python3", "python3"})
    if (run_shell(python + " -c 'import torch'").exit_code == 0) return python;
  FAIL("no python3 here imports torch: install Debian's python3-torch (scripts/setup.sh test does)");
  return "";
}

int64_t count_rows(const std::string& db_path, const std::string& sql) {
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  return db.execAndGet(sql).getInt64();
}

}  // namespace

TEST_CASE("the PyTorch peers have gatelab's parameter count for every reference model", "[slow]") {
  auto listed = run_gatelab("bench --list-models");
  REQUIRE(listed.exit_code == 0);
  const auto models = nlohmann::json::parse(listed.output);
  REQUIRE(models.size() >= 4);
  auto checked = run_shell(fmt::format("{} '{}' --check-params --gatelab '{}'", python_with_torch(), peer_script(), GATELAB_BIN));
  INFO(checked.output);
  REQUIRE(checked.exit_code == 0);
  for (const auto& model : models) {
    const std::string name = model["name"];
    CHECK(checked.output.find(name) != std::string::npos);
  }
  CHECK(checked.output.find("DIFFERENT") == std::string::npos);
}

TEST_CASE("peer rows are imported as benches rows and a bad peer file writes nothing", "[slow]") {
  TempDir dir("peers");
  const std::string peers = dir.file("peers.jsonl"), db = dir.file("bench.db");
  auto smoke = run_shell(fmt::format("{} '{}' --smoke --out '{}'", python_with_torch(), peer_script(), peers));
  INFO(smoke.output);
  REQUIRE(smoke.exit_code == 0);
  auto imported = run_gatelab(fmt::format("bench --import-peers '{}' --device cpu --db '{}'", peers, db));
  INFO(imported.output);
  REQUIRE(imported.exit_code == 0);
  CHECK(count_rows(db, "SELECT count(*) FROM benches WHERE what LIKE 'peer:torch_eager:%' AND tokens_per_s > 0") == 2);

  write_file(dir.file("bad.jsonl"),
             R"({"what": "peer:torch_eager:no_such_model", "model": "no_such_model", "tokens_per_s": 1})" "\n");
  auto bad = run_gatelab(fmt::format("bench --import-peers '{}' --device cpu --db '{}'", dir.file("bad.jsonl"), db));
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("softmax_d512_l6") != std::string::npos);  // the valid choices are named
  CHECK(count_rows(db, "SELECT count(*) FROM benches") == 2);
}

TEST_CASE("bench_versus_peers pairs each gatelab model with its peers on the same device", "[results]") {
  TempDir dir("versus");
  const std::string db = dir.file("bench.db");
  {
    gatelab::results::Store store(db);
    gatelab::results::BenchRow row;
    row.shape = "d=512 layers=6 heads=4 T=2048 batch=16";
    row.dtype = "bfloat16";
    row.device = "GPU X";
    row.git_commit = "abc";
    auto add = [&](const std::string& what, double tokens_per_s, double peak) {
      row.what = what;
      row.tokens_per_s = tokens_per_s;
      row.peak_mem_gib = peak;
      store.write_bench(row);
    };
    add("train:softmax_d512_l6", 2000, 4);
    add("peer:torch_eager:softmax_d512_l6", 1000, 8);
    add("peer:torch_compile:softmax_d512_l6", 4000, 2);
    add("peer:torch_eager:gla_d512_l6", 500, 1);  // another model: not paired with softmax
    row.device = "GPU Y";
    add("peer:fla:softmax_d512_l6", 10, 1);  // another device: not paired
  }
  SQLite::Database read(db, SQLite::OPEN_READONLY);
  SQLite::Statement q(read, "SELECT model, peer, ratio, memory_ratio FROM bench_versus_peers ORDER BY peer");
  std::vector<std::tuple<std::string, std::string, double, double>> rows;
  while (q.executeStep())
    rows.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getDouble(),
                      q.getColumn(3).getDouble());
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == std::make_tuple(std::string("softmax_d512_l6"), std::string("torch_compile"), 0.5, 2.0));
  CHECK(rows[1] == std::make_tuple(std::string("softmax_d512_l6"), std::string("torch_eager"), 2.0, 0.5));
}

TEST_CASE("bench_kernels puts each shape's kernels beside SDPA flash and the memory floor", "[results]") {
  TempDir dir("kernels");
  const std::string db = dir.file("bench.db");
  {
    gatelab::results::Store store(db);
    gatelab::results::BenchRow row;
    row.dtype = "bfloat16";
    row.device = "GPU X";
    row.git_commit = "abc";
    auto add = [&](const std::string& what, const std::string& shape, double ms, const std::string& target) {
      row.what = what;
      row.shape = shape;
      row.ms = ms;
      row.target = target;
      store.write_bench(row);
    };
    const std::string short_seq = "B=8 T=2048 H=16 D=64", long_seq = "B=1 T=16384 H=16 D=128";
    add("kernel:cuda_chunk", short_seq, 1.5, "ms <= 1.88; ratio to SDPA flash <= 1.56");  // issue 7's wording
    add("sdpa_flash", short_seq, 1.0, "reference");
    add("kernel:cuda_chunk", long_seq, 2.0, "ratio to SDPA flash <= 0.19 (issue 18)");
    add("sdpa_flash", long_seq, 8.0, "reference");
    add("floor:kernel:cuda_chunk", long_seq, 0.25, "bytes at the device_copy bandwidth");
    add("kernel:torch_chunked", long_seq, 40.0, "");
    row.device = "GPU Y";
    add("sdpa_flash", short_seq, 100.0, "reference");  // another device: not paired
  }
  SQLite::Database read(db, SQLite::OPEN_READONLY);
  SQLite::Statement q(read,
                      "SELECT shape, head_dim, ratio, target_ratio, met, COALESCE(floor_ms, -1), "
                      "COALESCE(times_floor, -1), COALESCE(chunked_ms, -1) FROM bench_kernels");
  std::vector<std::string> rows;
  while (q.executeStep())
    rows.push_back(fmt::format("{} | {} | {} | {} | {} | {} | {} | {}", q.getColumn(0).getString(),
                               q.getColumn(1).getInt(), q.getColumn(2).getDouble(), q.getColumn(3).getDouble(),
                               q.getColumn(4).getString(), q.getColumn(5).getDouble(), q.getColumn(6).getDouble(),
                               q.getColumn(7).getDouble()));
  REQUIRE(rows.size() == 2);  // ordered by head dim, then sequence length
  CHECK(rows[0] == "B=8 T=2048 H=16 D=64 | 64 | 1.5 | 1.56 | yes | -1 | -1 | -1");
  CHECK(rows[1] == "B=1 T=16384 H=16 D=128 | 128 | 0.25 | 0.19 | no | 0.25 | 8 | 40");
}
