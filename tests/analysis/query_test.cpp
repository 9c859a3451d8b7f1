// gatelab query: read-only enforcement, output formats, SQLite's messages, "no rows", exit codes.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "analysis/formats/output_format.h"
#include "tests/analysis/sweep_fixture.h"
#include "tests/support/test_support.h"

using namespace gatelab::test;

namespace {

std::string db_arg(const std::string& path) { return "--db '" + path + "'"; }

}  // namespace

TEST_CASE("query refuses every kind of write and leaves the DB unchanged", "[query][slow]") {
  TempDir dir("query");
  const std::string db = copy_sweep_fixture(dir.path());
  const auto before = read_file(db);
  for (const std::string sql :
       {"INSERT INTO runs (run_id, name, config_json, config_hash, seed, status) VALUES ('x','x','{}','x',0,'q')",
        "DELETE FROM metrics", "UPDATE runs SET status = 'failed'", "DROP TABLE runs", "CREATE TABLE t (x)",
        "DROP VIEW run_summary", "PRAGMA user_version = 7", "VACUUM"}) {
    INFO(sql);
    auto r = run_gatelab("query \"" + sql + "\" " + db_arg(db));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("read-only"));
  }
  CHECK(read_file(db) == before);
  auto count = run_gatelab("query \"SELECT count(*) AS n FROM runs\" --format csv " + db_arg(db));
  CHECK(count.exit_code == 0);
  CHECK(count.output == "n\n6\n");
}

TEST_CASE("query prints aligned tables and CSV and JSON and Markdown", "[query][slow]") {
  const std::string db = db_arg(sweep_fixture_db());
  const std::string sql =
      "\"SELECT name, d_model, lr, feature_map FROM run_summary WHERE name IN ('gla_d16', 'soft_base') ORDER BY "
      "name\"";
  auto table = run_gatelab("query " + sql + " " + db);
  REQUIRE(table.exit_code == 0);
  CHECK(table.output ==
        "name       d_model     lr  feature_map\n"
        "---------  -------  -----  -----------\n"
        "gla_d16         16  0.003  identity\n"
        "soft_base       32  0.003  \n");
  auto csv = run_gatelab("query " + sql + " --format csv " + db);
  CHECK(csv.output == "name,d_model,lr,feature_map\ngla_d16,16,0.003,identity\nsoft_base,32,0.003,\n");
  auto json = run_gatelab("query " + sql + " -f json " + db);
  REQUIRE(json.exit_code == 0);
  auto parsed = nlohmann::json::parse(json.output);
  REQUIRE(parsed.size() == 2);
  CHECK(parsed[0]["name"] == "gla_d16");
  CHECK(parsed[0]["d_model"] == 16);
  CHECK(parsed[0]["lr"].get<double>() == 0.003);
  CHECK(parsed[1]["feature_map"].is_null());
  auto markdown = run_gatelab("query " + sql + " --format markdown " + db);
  CHECK(markdown.output ==
        "| name | d_model | lr | feature_map |\n| --- | ---: | ---: | --- |\n| gla_d16 | 16 | 0.003 | identity |\n"
        "| soft_base | 32 | 0.003 |  |\n");
}

TEST_CASE("query: SQL errors show SQLite's message and exit 2 and an empty result says no rows", "[query][slow]") {
  const std::string db = db_arg(sweep_fixture_db());
  auto syntax = run_gatelab("query \"SELEC name FROM runs\" " + db);
  CHECK(syntax.exit_code == 2);
  CHECK_THAT(syntax.output, Catch::Contains("near \"SELEC\": syntax error"));
  auto no_table = run_gatelab("query \"SELECT * FROM no_such_table\" " + db);
  CHECK(no_table.exit_code == 2);
  CHECK_THAT(no_table.output, Catch::Contains("no such table: no_such_table"));
  auto two = run_gatelab("query \"SELECT 1; SELECT 2\" " + db);
  CHECK(two.exit_code == 2);
  CHECK_THAT(two.output, Catch::Contains("one statement"));
  auto empty = run_gatelab("query \"SELECT * FROM runs WHERE 0\" " + db);
  CHECK(empty.exit_code == 0);
  CHECK(empty.output == "no rows\n");
  auto empty_csv = run_gatelab("query \"SELECT run_id FROM runs WHERE 0\" --format csv " + db);
  CHECK(empty_csv.exit_code == 0);
  CHECK_THAT(empty_csv.output, Catch::StartsWith("run_id\n") && Catch::Contains("no rows"));
  auto bad_format = run_gatelab("query \"SELECT 1\" --format xml " + db);
  CHECK(bad_format.exit_code == 2);
  CHECK_THAT(bad_format.output, Catch::Contains("table, csv, json, markdown"));
  auto missing = run_gatelab("query \"SELECT 1\" --db /nonexistent/results.db");
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.output, Catch::Contains("no results database at '/nonexistent/results.db'"));
  TempDir dir("query-not-db");
  write_file(dir.file("empty.db"), "");
  auto empty_file = run_gatelab("query \"SELECT 1\" --db '" + dir.file("empty.db") + "'");
  CHECK(empty_file.exit_code == 2);
  CHECK_THAT(empty_file.output, Catch::Contains("is not a gatelab results database"));
  write_file(dir.file("text.db"), "this is not SQLite, just text that happens to be long enough for a header");
  auto text_file = run_gatelab("query \"SELECT 1\" --db '" + dir.file("text.db") + "'");
  CHECK(text_file.exit_code == 2);
  CHECK_THAT(text_file.output, Catch::Contains("text.db"));
}

TEST_CASE("every registered output format prints each row and handles an empty result", "[query][slow]") {
  const std::string db = db_arg(sweep_fixture_db());
  const std::string sql = "\"SELECT name, d_model FROM run_summary WHERE name IN ('gla_d16', 'soft_base')\"";
  const std::string none = "\"SELECT name FROM run_summary WHERE name = 'no-such-run'\"";
  for (const auto& entry : gatelab::analysis::output_format_registry().entries()) {
    INFO("format " << entry.name);
    auto rows = run_gatelab("query " + sql + " --format " + entry.name + " " + db);
    CHECK(rows.exit_code == 0);
    CHECK_THAT(rows.output, Catch::Contains("gla_d16") && Catch::Contains("soft_base") && Catch::Contains("16"));
    auto empty = run_gatelab("query " + none + " --format " + entry.name + " " + db);
    CHECK(empty.exit_code == 0);
    CHECK_THAT(empty.output, Catch::Contains("no rows"));  // on stdout for people, on stderr for programs
  }
}

TEST_CASE("query stops a runaway statement and refuses huge results and side-effect functions", "[query][slow]") {
  const std::string db = db_arg(sweep_fixture_db());
  auto endless = run_gatelab(
      "query \"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c\" "
      "--timeout 1 " +
      db);
  CHECK(endless.exit_code == 2);
  CHECK_THAT(endless.output, Catch::Contains("ran longer than 1 s"));
  auto many = run_gatelab("query \"SELECT * FROM metric_rows\" --max-rows 3 " + db);
  CHECK(many.exit_code == 2);
  CHECK_THAT(many.output, Catch::Contains("more than 3 rows"));
  for (const std::string sql : {"SELECT fts3_tokenizer('simple')", "SELECT load_extension('libx')",
                                "ATTACH DATABASE '/tmp/gatelab-attach.db' AS other"}) {
    INFO(sql);
    auto r = run_gatelab("query \"" + sql + "\" " + db);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("not authorized") || Catch::Contains("read-only"));
  }
  auto fine = run_gatelab("query \"SELECT count(*) AS n FROM run_summary\" --format csv " + db);
  CHECK(fine.exit_code == 0);
  CHECK(fine.output == "n\n6\n");
}
