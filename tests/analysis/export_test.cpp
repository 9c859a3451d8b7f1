// gatelab export: tidy CSV that round-trips the stored values exactly; filters; clear errors.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "tests/analysis/csv_reader.h"
#include "tests/analysis/sweep_fixture.h"
#include "tests/support/test_support.h"

using namespace gatelab::test;

namespace {

std::string db_arg() { return "--db '" + sweep_fixture_db() + "'"; }

size_t index_of(const std::vector<std::string>& header, const std::string& name) {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  FAIL("no column " << name);
  return 0;
}

}  // namespace

TEST_CASE("export metrics round-trips every stored value exactly", "[export][slow]") {
  TempDir dir("export");
  const std::string out = dir.file("metrics.csv");
  auto r = run_gatelab("export metrics " + db_arg() + " -o '" + out + "'");
  REQUIRE(r.exit_code == 0);
  auto rows = parse_csv(read_file(out));
  REQUIRE(rows.size() > 1);
  const auto header = rows.front();
  CHECK(header ==
        std::vector<std::string>{"run_id", "run_name", "variant", "step", "split", "key", "value", "tokens", "time_s"});
  // Every metrics row of the DB appears once, with the same double (strtod of the text == the stored value).
  SQLite::Database db(sweep_fixture_db(), SQLite::OPEN_READONLY);
  std::map<std::tuple<std::string, int64_t, std::string, std::string>, double> stored;
  SQLite::Statement st(db, "SELECT run_id, step, split, key, value FROM metrics");
  while (st.executeStep())
    stored[{st.getColumn(0).getString(), st.getColumn(1).getInt64(), st.getColumn(2).getString(),
            st.getColumn(3).getString()}] = st.getColumn(4).getDouble();
  REQUIRE(rows.size() - 1 == stored.size());
  size_t exact = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    REQUIRE(row.size() == header.size());
    auto key = std::make_tuple(row[0], std::stoll(row[3]), row[4], row[5]);
    REQUIRE(stored.count(key));
    exact += std::strtod(row[6].c_str(), nullptr) == stored.at(key);
  }
  CHECK(exact == stored.size());
}

TEST_CASE("export filters by sweep or run or variant or key and split", "[export][slow]") {
  const auto& ids = sweep_fixture_runs();
  auto runs_in = [](const CommandResult& r) {
    auto rows = parse_csv(r.output);
    std::set<std::string> runs;
    size_t col = index_of(rows.front(), "run_id");
    for (size_t i = 1; i < rows.size(); ++i) runs.insert(rows[i][col]);
    return runs;
  };
  auto narrow = run_gatelab("export summary --sweep narrow " + db_arg());
  REQUIRE(narrow.exit_code == 0);
  CHECK(runs_in(narrow) == std::set<std::string>{ids.at("gla_d16")});
  auto by_variant = run_gatelab("export summary --variant 'softmax G1*' " + db_arg());
  REQUIRE(by_variant.exit_code == 0);
  CHECK(runs_in(by_variant) == std::set<std::string>{ids.at("soft_g1"), ids.at("soft_g1_head")});
  auto by_run = run_gatelab("export metrics --run soft_base --run gla_lr1 --key accuracy --split valid " + db_arg());
  REQUIRE(by_run.exit_code == 0);
  CHECK(runs_in(by_run) == std::set<std::string>{ids.at("soft_base"), ids.at("gla_lr1")});
  auto rows = parse_csv(by_run.output);
  for (size_t i = 1; i < rows.size(); ++i) {
    CHECK(rows[i][index_of(rows[0], "key")] == "accuracy");
    CHECK(rows[i][index_of(rows[0], "split")] == "valid");
  }
  CHECK(rows.size() - 1 == 2 * 3);  // two runs x evaluations at steps 0 (the init), 15 and 30
  // Filters intersect: the narrow sweep has no softmax run.
  auto none = run_gatelab("export summary --sweep narrow --variant 'softmax*' " + db_arg());
  CHECK(none.exit_code == 2);
  CHECK_THAT(none.output, Catch::Contains("no run passes all the filters"));
}

TEST_CASE("export layers and gates are long format: one observation per row", "[export][slow]") {
  auto layers = run_gatelab("export layers --run soft_g1 " + db_arg());
  REQUIRE(layers.exit_code == 0);
  auto rows = parse_csv(layers.output);
  CHECK(rows[0] ==
        std::vector<std::string>{"run_id", "run_name", "variant", "step", "layer", "attn_kind", "measure", "value"});
  std::set<std::tuple<std::string, std::string, std::string>> keys;
  for (size_t i = 1; i < rows.size(); ++i) keys.insert({rows[i][3], rows[i][4], rows[i][6]});
  CHECK(keys.size() == rows.size() - 1);  // no duplicate observation
  // 3 evaluations (steps 0, 15, 30) x 2 layers x 4 measures (the gated softmax run has all four).
  CHECK(rows.size() - 1 == 3 * 2 * 4);
  auto gates = run_gatelab("export gates --run gla_lr3 " + db_arg());
  REQUIRE(gates.exit_code == 0);
  auto g = parse_csv(gates.output);
  // 3 evaluations x 2 layers x (4 heads + all) x 1 quantity (alpha) x 7 statistics.
  CHECK(g.size() - 1 == 3 * 2 * 5 * 7);
}

TEST_CASE("export all writes one CSV per data set", "[export][slow]") {
  TempDir dir("export-all");
  auto r = run_gatelab("export all --sweep fixture --out-dir '" + dir.path() + "' " + db_arg());
  REQUIRE(r.exit_code == 0);
  for (const char* name : {"metrics", "summary", "final", "layers", "gates", "histograms", "baseline"}) {
    INFO(name);
    const std::string path = dir.file(std::string(name) + ".csv");
    REQUIRE(std::filesystem::exists(path));
    CHECK(parse_csv(read_file(path)).size() > 1);
  }
}

TEST_CASE("export: unknown sweep or run or metric or data set is a clear error with exit code 2", "[export][slow]") {
  auto sweep = run_gatelab("export metrics --sweep fixtur " + db_arg());
  CHECK(sweep.exit_code == 2);
  CHECK_THAT(sweep.output, Catch::Contains("unknown sweep 'fixtur'") && Catch::Contains("fixture"));
  auto metric = run_gatelab("export metrics --key acuracy " + db_arg());
  CHECK(metric.exit_code == 2);
  CHECK_THAT(metric.output, Catch::Contains("unknown metric 'acuracy'") && Catch::Contains("accuracy"));
  auto run = run_gatelab("export metrics --run nosuchrun " + db_arg());
  CHECK(run.exit_code == 2);
  CHECK_THAT(run.output, Catch::Contains("unknown run 'nosuchrun'"));
  auto what = run_gatelab("export metric " + db_arg());
  CHECK(what.exit_code == 2);
  CHECK_THAT(what.output, Catch::Contains("metrics"));
}
